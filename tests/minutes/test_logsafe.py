"""safe_log_field: one log line per event, whatever a name holds."""

from __future__ import annotations

import pytest

from minutes.logsafe import MAX_LOG_FIELD, safe_log_field


@pytest.mark.parametrize(
    ("value", "logged"),
    [
        ("Protokoll FLG 2024-08-26.docx", "Protokoll FLG 2024-08-26.docx"),
        ("Åsa Öberg – ärende", "Åsa Öberg – ärende"),
        ("a\nb", "a\\nb"),
        ("a\r\nINFO forged", "a\\r\\nINFO forged"),
        ("x\u2028y\u2029z\x85", "x\\u2028y\\u2029z\\x85"),
        ("\x1b[2Jrensad skärm", "\\x1b[2Jrensad skärm"),
        ("tab\there", "tab\\there"),
        (42, "42"),
    ],
)
def test_control_characters_are_escaped_and_letters_kept(value: object, logged: str) -> None:
    assert safe_log_field(value) == logged


def test_a_long_name_is_cut() -> None:
    logged = safe_log_field("x" * 10_000)
    assert len(logged) == MAX_LOG_FIELD + 1 and logged.endswith("…")
    assert safe_log_field("x" * 10 + "\n", limit=5) == "xxxxx…"
