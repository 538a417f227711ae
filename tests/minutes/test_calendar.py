"""Working days with Swedish holidays, quiet hours across DST, and meeting calendars from Swedish rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from minutes.calendar import (
    CalendarError,
    MeetingCalendar,
    QuietHours,
    is_quiet,
    is_working_day,
    next_working_day,
    next_working_morning,
    parse_meeting_rule,
    previous_working_day,
    swedish_holidays,
    why_not_working,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
QUIET = QuietHours()


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


# Every non-working holiday 2024–2026 that falls on a weekday or Saturday, with the name it goes by.
# Midsommarafton, julafton and nyårsafton are de facto holidays (not in law): treated as non-working.
HOLIDAYS = [
    (date(2024, 1, 1), "Nyårsdagen"),
    (date(2024, 1, 6), "Trettondedag jul"),
    (date(2024, 3, 29), "Långfredagen"),
    (date(2024, 4, 1), "Annandag påsk"),
    (date(2024, 5, 1), "Första maj"),
    (date(2024, 5, 9), "Kristi himmelsfärdsdag"),
    (date(2024, 6, 6), "Nationaldagen"),
    (date(2024, 6, 21), "Midsommarafton"),
    (date(2024, 12, 24), "Julafton"),
    (date(2024, 12, 25), "Juldagen"),
    (date(2024, 12, 26), "Annandag jul"),
    (date(2024, 12, 31), "Nyårsafton"),
    (date(2025, 1, 1), "Nyårsdagen"),
    (date(2025, 1, 6), "Trettondedag jul"),
    (date(2025, 4, 18), "Långfredagen"),
    (date(2025, 4, 21), "Annandag påsk"),
    (date(2025, 5, 1), "Första maj"),
    (date(2025, 5, 29), "Kristi himmelsfärdsdag"),
    (date(2025, 6, 6), "Nationaldagen"),
    (date(2025, 6, 20), "Midsommarafton"),
    (date(2025, 12, 24), "Julafton"),
    (date(2025, 12, 25), "Juldagen"),
    (date(2025, 12, 26), "Annandag jul"),
    (date(2025, 12, 31), "Nyårsafton"),
    (date(2026, 1, 1), "Nyårsdagen"),
    (date(2026, 1, 6), "Trettondedag jul"),
    (date(2026, 4, 3), "Långfredagen"),
    (date(2026, 4, 6), "Annandag påsk"),
    (date(2026, 5, 1), "Första maj"),
    (date(2026, 5, 14), "Kristi himmelsfärdsdag"),
    (date(2026, 6, 6), "Nationaldagen"),
    (date(2026, 6, 19), "Midsommarafton"),
    (date(2026, 12, 24), "Julafton"),
    (date(2026, 12, 25), "Juldagen"),
    (date(2026, 12, 26), "Annandag jul"),
    (date(2026, 12, 31), "Nyårsafton"),
]


@pytest.mark.parametrize(("day", "name"), HOLIDAYS)
def test_swedish_holidays_are_not_working_days(day: date, name: str) -> None:
    assert swedish_holidays(day.year)[day] == name
    assert not is_working_day(day)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 4, 17), True),  # skärtorsdagen: a working day
        (date(2025, 4, 19), False),  # påskafton: a Saturday
        (date(2025, 4, 22), True),  # the Tuesday after Easter
        (date(2025, 4, 30), True),  # valborgsmässoafton
        (date(2025, 5, 30), True),  # klämdag after Kristi himmelsfärd: a working day for the bot
        (date(2025, 6, 19), True),  # the day before midsommarafton
        (date(2025, 6, 21), False),  # midsommardagen, a Saturday
        (date(2025, 11, 1), False),  # alla helgons dag, a Saturday
        (date(2024, 12, 27), True),  # between Christmas and New Year
        (date(2026, 1, 5), True),  # trettondagsafton
        (date(2025, 6, 8), False),  # pingstdagen, a Sunday
        (date(2025, 6, 9), True),  # annandag pingst is no holiday since 2005
        (date(2025, 4, 14), True),  # a plain Monday
        (date(2025, 4, 13), False),  # a plain Sunday
    ],
)
def test_working_days_around_the_holidays(day: date, working: bool) -> None:
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 4, 17), date(2025, 4, 17)),
        (date(2025, 4, 18), date(2025, 4, 22)),  # långfredag → Tuesday after annandag påsk
        (date(2024, 12, 24), date(2024, 12, 27)),
        (date(2025, 12, 31), date(2026, 1, 2)),
    ],
)
def test_next_working_day(day: date, expected: date) -> None:
    assert next_working_day(day) == expected


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (local("2025-04-16 07:29"), True),
        (local("2025-04-16 07:30"), False),
        (local("2025-04-16 12:00"), False),
        (local("2025-04-16 17:59"), False),
        (local("2025-04-16 18:00"), True),
        (local("2025-04-16 23:30"), True),
        (local("2025-04-16 00:00"), True),
        (local("2025-04-19 12:00"), True),  # Saturday
        (local("2025-04-18 10:00"), True),  # långfredag
        (local("2025-06-20 10:00"), True),  # midsommarafton
        (local("2025-05-30 10:00"), False),  # klämdag
        # Summer time: 07:30 in Stockholm is 05:30 UTC; winter time: 06:30 UTC.
        (datetime(2025, 3, 31, 5, 29, tzinfo=UTC), True),
        (datetime(2025, 3, 31, 5, 30, tzinfo=UTC), False),
        (datetime(2025, 1, 7, 6, 29, tzinfo=UTC), True),
        (datetime(2025, 1, 7, 6, 30, tzinfo=UTC), False),
        (datetime(2025, 10, 27, 16, 59, tzinfo=UTC), False),  # 17:59 CET, after the switch back
        (datetime(2025, 10, 27, 17, 0, tzinfo=UTC), True),  # 18:00 CET
    ],
)
def test_quiet_hours_weekends_and_holidays(moment: datetime, quiet: bool) -> None:
    assert is_quiet(moment, QUIET) is quiet


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (local("2025-04-15 10:00"), local("2025-04-15 10:00")),  # open: itself
        (local("2025-04-15 06:00"), local("2025-04-15 07:30")),  # early morning: the same day
        (local("2025-04-15 19:00"), local("2025-04-16 07:30")),
        (local("2025-04-11 18:00"), local("2025-04-14 07:30")),  # Friday evening → Monday
        (local("2025-04-17 18:30"), local("2025-04-22 07:30")),  # Easter: långfredag … annandag påsk
        (local("2025-05-28 19:00"), local("2025-05-30 07:30")),  # Kristi himmelsfärd
        (local("2025-06-05 18:00"), local("2025-06-09 07:30")),  # nationaldagen on a Friday
        (local("2025-06-19 18:00"), local("2025-06-23 07:30")),  # midsommarafton
        (local("2024-12-23 18:00"), local("2024-12-27 07:30")),  # julafton, juldagen, annandag jul
        (local("2025-12-30 20:00"), local("2026-01-02 07:30")),  # nyårsafton, nyårsdagen
        (local("2026-01-05 18:00"), local("2026-01-07 07:30")),  # trettondedag jul
        (local("2025-03-28 18:00"), local("2025-03-31 07:30")),  # over the switch to summer time
        (datetime(2025, 3, 28, 17, 0, tzinfo=UTC), local("2025-03-31 07:30")),
    ],
)
def test_next_working_morning(moment: datetime, expected: datetime) -> None:
    found = next_working_morning(moment, QUIET)
    assert found == expected and found.tzinfo is not None


def test_quiet_hours_are_a_night_in_a_known_timezone() -> None:
    with pytest.raises(CalendarError):
        QuietHours(start=time(7, 0), end=time(18, 0))
    with pytest.raises(KeyError):  # zoneinfo.ZoneInfoNotFoundError
        QuietHours(timezone="Europe/Sthlm")
    with pytest.raises(ValueError):
        is_quiet(datetime(2025, 4, 16, 12, 0), QUIET)  # naive: ambiguous
    assert next_working_morning(local("2025-04-16 06:00"), QuietHours(end=time(8, 0))) == local(
        "2025-04-16 08:00"
    )


@pytest.mark.parametrize(
    ("rule", "after", "expected"),
    [
        ("varannan måndag från 2024-08-26", date(2024, 8, 25), date(2024, 8, 26)),
        ("varannan måndag från 2024-08-26", date(2024, 8, 26), date(2024, 9, 9)),
        ("varannan måndag från 2024-08-26", date(2024, 9, 2), date(2024, 9, 9)),
        ("Varannan Måndag, från den 2024-08-26.", date(2024, 9, 9), date(2024, 9, 23)),
        ("varannan måndag från 2025-04-07", date(2025, 4, 7), date(2025, 5, 5)),  # 21/4 is annandag påsk
        ("varannan måndag jämna veckor", date(2025, 4, 7), date(2025, 4, 14)),  # week 16
        ("varannan måndag udda veckor", date(2025, 4, 7), date(2025, 5, 5)),  # week 17 is 21/4, a holiday
        ("varje tisdag", date(2025, 4, 15), date(2025, 4, 22)),
        ("varje tisdag", date(2025, 4, 14), date(2025, 4, 15)),
        ("varje torsdag", date(2025, 5, 22), date(2025, 6, 5)),  # 29/5 is Kristi himmelsfärd
        ("varje onsdag från 2025-09-01", date(2025, 1, 1), date(2025, 9, 3)),
        ("var tredje onsdag från 2025-01-08", date(2025, 1, 8), date(2025, 1, 29)),
        ("var fjärde fredag från 2025-01-03", date(2025, 1, 3), date(2025, 1, 31)),
        ("första måndagen i månaden", date(2025, 3, 31), date(2025, 4, 7)),
        ("första måndagen i månaden", date(2025, 4, 7), date(2025, 5, 5)),
        ("första måndagen i månaden", date(2024, 12, 15), date(2025, 2, 3)),  # 6/1 is trettondedag jul
        ("andra onsdagen i månaden från 2025-09-01", date(2025, 1, 1), date(2025, 9, 10)),
        ("sista fredagen i månaden", date(2025, 5, 1), date(2025, 5, 30)),
        ("sista fredagen i månaden", date(2025, 12, 1), date(2026, 1, 30)),  # 26/12 is annandag jul
        ("tredje tisdagen varje månad", date(2025, 6, 1), date(2025, 6, 17)),
    ],
)
def test_meeting_rules(rule: str, after: date, expected: date) -> None:
    assert parse_meeting_rule(rule).next_after(after) == expected


@pytest.mark.parametrize(
    "rule",
    [
        "varannan måndag",  # every other: from when?
        "varje vecka",
        "måndagar",
        "varje tisdag från 2025-02-30",
        "var tredje måndag jämna veckor",
        "femte måndagen i månaden",
        "",
    ],
)
def test_rules_it_cannot_read_are_refused_in_swedish(rule: str) -> None:
    with pytest.raises(CalendarError) as raised:
        parse_meeting_rule(rule)
    assert raised.value.message


def test_a_calendar_takes_the_first_meeting_by_any_date_or_rule() -> None:
    configured = MeetingCalendar.configured(
        dates=[date(2025, 4, 24)], rules=["varannan måndag från 2025-04-07"]
    )
    assert configured.next_meeting_after(date(2025, 4, 7)) == date(2025, 4, 24)
    with_minutes = configured.with_dates([date(2025, 4, 7), date(2025, 4, 22), None])
    assert with_minutes.next_meeting_after(date(2025, 4, 7)) == date(2025, 4, 22)
    assert with_minutes.next_meeting_after(date(2025, 4, 24)) == date(2025, 5, 5)
    assert MeetingCalendar().next_meeting_after(date(2025, 4, 7)) is None
    only_dates = MeetingCalendar(frozenset({date(2025, 4, 7)}))
    assert only_dates.next_meeting_after(date(2025, 4, 7)) is None
    with pytest.raises(CalendarError):
        MeetingCalendar.configured(rules=["när det passar"])


@pytest.mark.parametrize(
    ("day", "why", "before"),
    [
        (date(2024, 9, 6), None, date(2024, 9, 6)),
        (date(2024, 9, 7), "en lördag", date(2024, 9, 6)),
        (date(2024, 9, 8), "en söndag", date(2024, 9, 6)),
        (date(2024, 6, 21), "midsommarafton", date(2024, 6, 20)),
        (date(2024, 12, 26), "annandag jul", date(2024, 12, 23)),
        (date(2025, 5, 29), "Kristi himmelsfärdsdag", date(2025, 5, 28)),
        (date(2025, 1, 1), "nyårsdagen", date(2024, 12, 30)),
    ],
)
def test_why_a_day_is_no_working_day_and_the_working_day_before(
    day: date, why: str | None, before: date
) -> None:
    assert why_not_working(day) == why
    assert previous_working_day(day) == before
