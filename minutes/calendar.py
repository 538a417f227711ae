"""Working days (Swedish holidays), quiet hours and weekly times as an admin writes them, and a group's
meeting calendar with Swedish rules. Pure."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Final
from zoneinfo import ZoneInfo

import holidays
from holidays.constants import DE_FACTO, PUBLIC

from minutes.dates import ORDINALS, WEEKDAYS
from minutes.errors import UserFacingError

STOCKHOLM: Final = "Europe/Stockholm"
LAST: Final = -1  # MeetingRule.nth_in_month for 'sista måndagen i månaden'
# How far ahead a rule looks for its next working meeting day before it gives up: no Swedish rule needs more.
RULE_HORIZON_DAYS: Final = 3 * 366


class CalendarError(UserFacingError, ValueError):
    """A meeting rule or calendar setting that cannot be understood; `message` is one Swedish line."""


# -- working days -------------------------------------------------------------------------------------------


@cache  # a year's holidays never change, and the reminder tick asks for the same few years all the time
def swedish_holidays(year: int) -> dict[date, str]:
    """Sweden's non-working holidays of `year` by their Swedish names: the public holidays ('röda dagar')
    and the de facto ones, midsommarafton, julafton and nyårsafton, which are not public holidays in law but
    are days off by collective agreement almost everywhere, so nobody should be reminded on them."""
    days = holidays.country_holidays("SE", years=year, categories=(PUBLIC, DE_FACTO), language="sv")
    return {day: str(name) for day, name in sorted(days.items())}


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a Swedish holiday (see swedish_holidays)."""
    return day.weekday() < 5 and day not in swedish_holidays(day.year)


def next_working_day(day: date) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def previous_working_day(day: date) -> date:
    """`day` itself when it is a working day, else the last working day before it."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


_WEEKDAY_NAMES: Final = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")


def weekday_name(day: date) -> str:
    return _WEEKDAY_NAMES[day.weekday()]


def why_not_working(day: date) -> str | None:
    """Why `day` is no working day, in Swedish ('en lördag', 'midsommarafton'); None for a working day."""
    holiday = swedish_holidays(day.year).get(day)
    if holiday is not None:
        # A name starts a sentence in the list; in one of ours it is lower case, save a proper name's.
        return holiday if holiday.startswith("Kristi") else holiday[:1].lower() + holiday[1:]
    if day.weekday() >= 5:
        return f"en {weekday_name(day)}"
    return None


# -- quiet hours --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuietHours:
    """The night during which no message goes out, as local times in `timezone`: from `start` in the evening
    to `end` the next morning. Weekends and holidays are quiet all day."""

    start: time = time(18, 0)
    end: time = time(7, 30)
    timezone: str = STOCKHOLM

    def __post_init__(self) -> None:
        if not self.start > self.end:
            raise CalendarError("tysta timmar ska gå över natten: början på kvällen, slutet på morgonen")
        ZoneInfo(self.timezone)  # an unknown zone fails here, when configured, not in the middle of a tick

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("a moment without a timezone is ambiguous; pass an aware datetime")
        return moment.astimezone(self.zone)

    def morning_of(self, day: date) -> datetime:
        """When the quiet night before `day` ends: the earliest a message may go out that day."""
        return datetime.combine(day, self.end, tzinfo=self.zone)


def is_quiet(moment: datetime, quiet: QuietHours) -> bool:
    """No message now: it is night in the quiet hours, or a weekend or holiday, where `quiet` keeps time."""
    local = quiet.local(moment)
    at_night = local.time() >= quiet.start or local.time() < quiet.end
    return at_night or not is_working_day(local.date())


def next_working_morning(moment: datetime, quiet: QuietHours) -> datetime:
    """When a message meant for `moment` may go out: `moment` itself when it is not quiet, else the end of
    the quiet hours on the next working day (a Friday evening waits for Monday 07:30, or Tuesday after
    annandag påsk). In the quiet hours' timezone."""
    local = quiet.local(moment)
    if not is_quiet(local, quiet):
        return local
    day = local.date() if local.time() < quiet.end else local.date() + timedelta(days=1)
    return quiet.morning_of(next_working_day(day))


# -- weekly times and quiet hours as an admin writes them ------------------------------------------------

DEFAULT_QUIET_HOURS: Final = QuietHours()
# A weekday as a municipal IT admin may write it (Swedish or English, whole or short) → APScheduler's name.
CRON_WEEKDAYS: Final[dict[str, str]] = {
    **dict.fromkeys(("måndag", "mån", "må", "monday", "mon"), "mon"),
    **dict.fromkeys(("tisdag", "tis", "ti", "tuesday", "tue"), "tue"),
    **dict.fromkeys(("onsdag", "ons", "on", "wednesday", "wed"), "wed"),
    **dict.fromkeys(("torsdag", "tors", "tor", "to", "thursday", "thu"), "thu"),
    **dict.fromkeys(("fredag", "fre", "fr", "friday", "fri"), "fri"),
}
_WEEKLY_TIME = re.compile(
    r"^(?P<day>[a-zåäö]+)\.?\s+(?:kl\.?\s*)?(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?$"
)
_WEEKLY_EXAMPLE = 'skriv veckodag och klockslag, t.ex. "mån 08:00" eller "fredag 13.30"'


def parse_weekly_time(text: str, quiet: QuietHours | None = DEFAULT_QUIET_HOURS) -> dict[str, int | str]:
    """'mån 08:00', 'fredag kl. 13.30', 'thu 9' → APScheduler cron fields {"day_of_week", "hour", "minute"}.
    A working day, and a time outside `quiet` (the group's quiet hours; None: any time): the digest is no
    message for the evening or the weekend. ValueError with one Swedish line otherwise."""
    found = _WEEKLY_TIME.match(" ".join(text.split()).casefold())
    day = found["day"] if found is not None else ""
    if day not in CRON_WEEKDAYS and day.endswith(("ar", "en")):  # 'måndagar', 'fredagen'
        day = day[:-2]
    if found is None or day not in CRON_WEEKDAYS:
        weekend = found is not None and found["day"].startswith(("lö", "sö", "sat", "sun"))
        reason = "bara vardagar (mån–fre)" if weekend else _WEEKLY_EXAMPLE
        raise ValueError(f"{text!r} förstås inte: {reason}")
    hour, minute = int(found["hour"]), int(found["minute"] or 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r}: {hour}:{minute:02d} är inget klockslag")
    if quiet is not None and not quiet.end <= time(hour, minute) < quiet.start:
        raise ValueError(
            f"{text!r} ligger utanför arbetstid: välj en tid från {quiet.end:%H:%M} till före {quiet.start:%H:%M}"
        )
    return {"day_of_week": CRON_WEEKDAYS[day], "hour": hour, "minute": minute}


_CLOCK_SPAN = re.compile(r"^(?:kl\.?\s*)?(\d{1,2})[:.](\d{2})\s*[-–]\s*(?:kl\.?\s*)?(\d{1,2})[:.](\d{2})$")


def parse_quiet_hours(text: str) -> QuietHours:
    """'18:00-07:30' (also '18.00–7.30', 'kl. 17:00 - kl. 08:00') → the night from the first time to the
    second, Stockholm time. ValueError with one Swedish line otherwise."""
    found = _CLOCK_SPAN.match(" ".join(text.split()).casefold())
    if found is None:
        raise ValueError(f'{text!r} förstås inte: skriv början och slut, t.ex. "18:00-07:30"')
    start_hour, start_minute, end_hour, end_minute = (int(g) for g in found.groups())
    if max(start_hour, end_hour) > 23 or max(start_minute, end_minute) > 59:
        raise ValueError(f"{text!r}: ett av klockslagen finns inte")
    start, end = time(start_hour, start_minute), time(end_hour, end_minute)
    if not start > end:
        raise ValueError(f"{text!r}: tysta timmar går över natten, från kvällen till morgonen")
    return QuietHours(start=start, end=end)


# -- meeting calendar ---------------------------------------------------------------------------------------

_WEEKDAY_FORMS = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_WEEKDAY = rf"(?P<weekday>{_WEEKDAY_FORMS})(?:en|ar|s)?"
_FROM = r"(?:\s*,?\s+från(?:\s+och\s+med)?\s+(?:den\s+)?(?P<start>\d{4}-\d{2}-\d{2}))?"
_INTERVALS: Final[dict[str, int]] = {"varje": 1, "varannan": 2, "var tredje": 3, "var fjärde": 4}
_INTERVAL = "|".join(w.replace(" ", r"\s+") for w in sorted(_INTERVALS, key=len, reverse=True))
_NTH: Final[dict[str, int]] = {**ORDINALS, "sista": LAST}
_NTH_FORMS = "|".join(re.escape(w) for w in sorted(_NTH, key=len, reverse=True))

_WEEKLY_RX = re.compile(
    rf"^(?P<interval>{_INTERVAL})\s+{_WEEKDAY}(?:\s*,?\s+(?P<parity>jämna|udda)\s+veckor)?{_FROM}$",
    re.IGNORECASE,
)
_MONTHLY_RX = re.compile(
    rf"^(?P<nth>{_NTH_FORMS})\s+{_WEEKDAY}\s+(?:i|varje)\s+månad(?:en)?{_FROM}$", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class MeetingRule:
    """A recurring meeting day: every `interval_weeks` weeks on `weekday` (counted from `start`, or by ISO
    week parity), or the `nth_in_month` such weekday of each month (LAST: the last one). Never before
    `start`. A date of the rule that is not a working day has no meeting (no FLG on annandag påsk)."""

    weekday: int  # Monday 0 … Sunday 6
    interval_weeks: int = 1
    nth_in_month: int | None = None
    start: date | None = None
    even_weeks: bool | None = None  # 'jämna veckor' True, 'udda veckor' False
    text: str = ""  # as configured, for messages

    def next_after(self, day: date) -> date | None:
        """The rule's first meeting day strictly after `day`; None when there is none within a few years."""
        horizon = day + timedelta(days=RULE_HORIZON_DAYS)
        for candidate in self._dates_from(max(day + timedelta(days=1), self.start or date.min)):
            if candidate > horizon:
                return None
            if is_working_day(candidate):
                return candidate
        return None

    def _dates_from(self, first: date) -> Iterator[date]:
        if self.nth_in_month is not None:
            yield from self._monthly_from(first)
            return
        if self.start is not None and self.even_weeks is None:
            base = self.start + timedelta(days=(self.weekday - self.start.weekday()) % 7)
            step = 7 * self.interval_weeks
            skipped = max(0, (first - base).days) // step
            candidate = base + timedelta(days=skipped * step)
        else:
            candidate = first + timedelta(days=(self.weekday - first.weekday()) % 7)
            step = 7
        while True:
            if candidate >= first and self._in_week(candidate):
                yield candidate
            candidate += timedelta(days=step)

    def _in_week(self, day: date) -> bool:
        return self.even_weeks is None or (day.isocalendar().week % 2 == 0) == self.even_weeks

    def _monthly_from(self, first: date) -> Iterator[date]:
        year, month = first.year, first.month
        while True:
            candidate = _nth_weekday(year, month, self.weekday, self.nth_in_month or 1)
            if candidate is not None and candidate >= first:
                yield candidate
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    days = [
        date(year, month, d)
        for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if date(year, month, d).weekday() == weekday
    ]
    if nth == LAST:
        return days[-1]
    return days[nth - 1] if nth <= len(days) else None


def parse_meeting_rule(text: str) -> MeetingRule:
    """A Swedish meeting rule: 'varje tisdag', 'varannan måndag från 2024-08-26', 'var tredje onsdag från …',
    'varannan måndag jämna veckor', 'första måndagen i månaden', 'sista torsdagen i månaden från …'."""
    flat = " ".join(text.split()).rstrip(".")
    if weekly := _WEEKLY_RX.match(flat):
        interval = _INTERVALS[" ".join(weekly["interval"].lower().split())]
        parity = weekly["parity"]
        start = _start(weekly["start"], text)
        if parity and interval != 2:
            raise CalendarError(f"'{text}': jämna och udda veckor går bara med 'varannan'")
        if interval > 1 and start is None and parity is None:
            raise CalendarError(
                f"'{text}': ange från vilket datum, till exempel 'varannan måndag från 2024-08-26'"
            )
        return MeetingRule(
            weekday=WEEKDAYS[weekly["weekday"].lower()],
            interval_weeks=interval,
            start=start,
            even_weeks=None if parity is None else parity.lower() == "jämna",
            text=flat,
        )
    if monthly := _MONTHLY_RX.match(flat):
        return MeetingRule(
            weekday=WEEKDAYS[monthly["weekday"].lower()],
            nth_in_month=_NTH[monthly["nth"].lower()],
            start=_start(monthly["start"], text),
            text=flat,
        )
    raise CalendarError(
        f"'{text}' är ingen mötesregel jag förstår; skriv till exempel 'varje tisdag', "
        "'varannan måndag från 2024-08-26' eller 'första måndagen i månaden'"
    )


def _start(iso: str | None, text: str) -> date | None:
    if iso is None:
        return None
    try:
        return date.fromisoformat(iso)
    except ValueError:
        raise CalendarError(f"'{text}': {iso} är inget giltigt datum") from None


@dataclass(frozen=True, slots=True)
class MeetingCalendar:
    """A group's meetings: dates configured or read from minutes, and recurring rules."""

    dates: frozenset[date] = frozenset()
    rules: tuple[MeetingRule, ...] = ()

    @classmethod
    def configured(cls, *, dates: Iterable[date] = (), rules: Sequence[str] = ()) -> MeetingCalendar:
        """From settings: explicit dates and Swedish rules (CalendarError on a rule it cannot read)."""
        return cls(frozenset(dates), tuple(parse_meeting_rule(rule) for rule in rules))

    def with_dates(self, dates: Iterable[date | None]) -> MeetingCalendar:
        """Also the meetings that took place: the meeting dates of the group's minutes."""
        return MeetingCalendar(self.dates | {d for d in dates if d is not None}, self.rules)

    def next_meeting_after(self, day: date) -> date | None:
        """The first meeting strictly after `day`, by any date or rule; None when the calendar knows none."""
        candidates = [d for d in self.dates if d > day]
        candidates += [d for d in (rule.next_after(day) for rule in self.rules) if d is not None]
        return min(candidates, default=None)
