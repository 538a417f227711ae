"""The `rapport` answer: a group's follow-through totals (never per person), or which group. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Sequence

from cards import elements as ui
from minutes.dates import format_date
from minutes.follow_through import FollowThrough, period_label, total_facts

TITLE = "Uppföljning"
FILES_NOTE = (
    "Siffror per person och roll finns bara i rapportens filer (Word, webbsida, Excel), "
    "som gruppens sekreterare eller ordförande kan be om."
)


def follow_through_card(report: FollowThrough) -> ui.Card:
    """Heading, period and the day the figures stand on, the totals, and where the rest is."""
    return ui.adaptive_card(
        [
            ui.text_block(f"{TITLE} {report.group}", heading=True, size="large", weight="bolder"),
            ui.text_block(
                f"Möten {period_label(report.period)} · läget {format_date(report.today)}", subtle=True
            ),
            ui.fact_set(total_facts(report.totals)),
            ui.text_block(FILES_NOTE, subtle=True, size="small", separator=True),
        ]
    )


def choose_group_card(groups: Sequence[str], year: int | None) -> ui.Card:
    """Which group's report: one button per group, each sending 'rapport GRUPP [ÅR]' as if typed."""
    suffix = f" {year}" if year else ""
    return ui.adaptive_card(
        [
            ui.text_block(TITLE, heading=True, size="medium", weight="bolder"),
            ui.text_block(
                f"Vilken grupp? Här finns flera. Skriv till exempel 'rapport {groups[0]}{suffix}'."
            ),
        ],
        actions=[
            {
                "type": "Action.Submit",
                "title": group,
                "data": {"msteams": {"type": "imBack", "value": f"rapport {group}{suffix}"}},
            }
            for group in groups
        ],
    )
