"""Text that is no command: 'Jag förstod inte "…"' and the closest command of bot.commands' table."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from bot.commands import COMMANDS, CommandSpec, help_reply, tidy_text
from workflows.chat import Reply


def not_understood_reply(text: str) -> Reply:
    """Text that is no command: the help card, led by what was not understood and the closest command."""
    cleaned = tidy_text(text)
    if not cleaned:  # only the bot's @mention: nothing to quote
        return help_reply()
    return help_reply(not_understood(cleaned))


def not_understood(text: str) -> tuple[str, ...]:
    """'Jag förstod inte "…".' and, when one is close, 'Menade du "…"?' with what that command does."""
    cleaned = tidy_text(text)
    quoted = cleaned if len(cleaned) <= QUOTE_LIMIT else cleaned[: QUOTE_LIMIT - 1].rstrip() + "…"
    lines = [f'Jag förstod inte "{quoted}".']
    suggestion = closest_command(cleaned)
    if suggestion is not None:
        lines.append(f'Menade du "{suggestion.typed}"? {suggestion.spec.help_sv}.')
    return tuple(lines)


# ---- the closest command, for text that is none ------------------------------------------------------------

# How alike the typed words must be to a command's words (difflib's ratio) to be offered: 'kalr' is 'klar'
# (0.75), 'öppen' is 'öppna' (0.8); 'hej' is not 'help' (0.57).
CLOSE_ENOUGH = 0.7
# The longest text quoted back whole; a longer one is cut.
QUOTE_LIMIT = 60
# No command's words are longer: a longer head is compared cut (difflib's time grows with its length).
HEAD_LIMIT = 40


@dataclass(frozen=True, slots=True)
class Suggestion:
    """The command closest to a text, and what to write: the command with the text's own argument when that
    argument fits it ('klar 12' for 'kalr 12'), else its usage ('klar N' for 'klar abc')."""

    spec: CommandSpec[Any]
    typed: str


def closest_command(text: str) -> Suggestion | None:
    """The command whose word (Swedish or English, of as many words as the command's) is most like the text's
    first words, when alike enough; None otherwise. Pure: a function of the text and COMMANDS."""
    words = tidy_text(text).split()
    if not words:
        return None
    best: tuple[float, CommandSpec[Any], str] | None = None
    for spec in COMMANDS:
        for word in spec.words:
            length = len(word.split())
            head = " ".join(words[:length]).casefold()[:HEAD_LIMIT]
            score = difflib.SequenceMatcher(None, head, word).ratio()
            if best is None or score > best[0]:
                best = (score, spec, " ".join(words[length:]))
    if best is None or best[0] < CLOSE_ENOUGH:
        return None
    _, spec, rest = best
    fits = len(rest) <= QUOTE_LIMIT and spec.grammar(rest) is not None
    return Suggestion(spec, f"{spec.name} {rest}".strip() if fits else spec.usage)
