"""Swedish due dates: GOLD_FORMAT rules, masking, history, deadline choice and meeting date; table-driven."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minutes.dates import (
    VAGUE_PHRASES,
    DateMatch,
    choose_due,
    find_dates,
    find_meeting_date,
    format_date,
    meeting_date_from_file_name,
    resolve_due,
)
from minutes.model import Due, Relative

SAMPLES = Path(__file__).resolve().parents[2] / "samples"

# The corpus meeting dates (001 prints none: its gold reference date). All are Mondays; WED is not.
FLG_2024 = date(2024, 8, 26)
FLG_REF = date(2024, 1, 29)
FSG_2022 = date(2022, 11, 21)
FSG_2019 = date(2019, 9, 23)
VSG_2019 = date(2019, 2, 25)
WED = date(2024, 8, 28)

NEXT = Relative.NEXT_MEETING


def d(text: str) -> date:
    return date.fromisoformat(text)


# ------------------------------------------------------------------------------------------------
# Rules: phrase → ISO date (or next meeting), resolved against the meeting date
# ------------------------------------------------------------------------------------------------

RULES: list[tuple[str, date, str | None]] = [
    # d/m without a year: the next such date on or after the meeting
    ("7/10", FLG_2024, "2024-10-07"),
    ("28/8", FLG_2024, "2024-08-28"),
    ("26/8", FLG_2024, "2024-08-26"),
    ("25/8", FLG_2024, "2025-08-25"),
    ("6/2", FLG_REF, "2024-02-06"),
    ("7/2", FLG_REF, "2024-02-07"),
    ("1/3", FLG_REF, "2024-03-01"),
    ("29/2", FSG_2019, "2020-02-29"),
    ("29/2", FLG_2024, "2028-02-29"),
    # written years; a 2-digit year is 20yy
    ("2019-12-31", FSG_2019, "2019-12-31"),
    ("2020-09-30", FSG_2019, "2020-09-30"),
    ("09.09.2024", FLG_2024, "2024-09-09"),
    ("9.9.24", FLG_2024, "2024-09-09"),
    ("20/11-23", FLG_REF, "2023-11-20"),
    ("9/9-24", FLG_2024, "2024-09-09"),
    ("7/10-2025", FLG_2024, "2025-10-07"),
    ("7/10/2024", FLG_2024, "2024-10-07"),
    # day and month name
    ("den 9 september", FLG_2024, "2024-09-09"),
    ("12 oktober", FLG_2024, "2024-10-12"),
    ("30 augusti", FLG_2024, "2024-08-30"),
    ("9 sept.", FLG_2024, "2024-09-09"),
    ("den 21 nov 2022", FSG_2022, "2022-11-21"),
    ("den 1:a mars", FLG_2024, "2025-03-01"),
    ("24 maj", FLG_REF, "2024-05-24"),
    ("12-14 oktober", FLG_2024, "2024-10-14"),  # a range is due on its last day
    ("25-26/9", FLG_2024, "2024-09-26"),
    ("den 14 februari", VSG_2019, "2020-02-14"),
    # a month after a preposition: its last day
    ("i oktober", FLG_2024, "2024-10-31"),
    ("i oktober", FSG_2022, "2023-10-31"),
    ("I december", FSG_2022, "2022-12-31"),
    ("under november", FSG_2022, "2022-11-30"),
    ("till mars", FLG_2024, "2025-03-31"),
    ("i feb.", FLG_2024, "2025-02-28"),
    ("i september 2023", FSG_2022, "2023-09-30"),
    ("januari 2019", VSG_2019, "2019-01-31"),
    ("före oktober", FLG_2024, "2024-09-30"),
    # början / mitten / slutet av <månad>
    ("i början av december", FSG_2022, "2022-12-10"),
    ("I början av januari", FSG_2022, "2023-01-10"),
    ("i mitten av oktober", FLG_2024, "2024-10-15"),
    ("i slutet av februari", FLG_2024, "2025-02-28"),
    ("i slutet av februari", FLG_REF, "2024-02-29"),
    ("i början av augusti", FLG_2024, "2025-08-10"),
    # weeks: the Friday of the week after the meeting; ISO weeks: their Friday
    ("nästa vecka", FLG_2024, "2024-09-06"),
    ("kommande vecka", FSG_2022, "2022-12-02"),
    ("Nästa vecka", FSG_2022, "2022-12-02"),
    ("i nästa vecka", FLG_REF, "2024-02-09"),
    ("ALG i nästa vecka", FLG_REF, "2024-02-09"),
    ("nästa vecka", WED, "2024-09-06"),
    ("i veckan", WED, "2024-08-30"),
    ("v. 42", FLG_2024, "2024-10-18"),
    ("vecka 42", FLG_2024, "2024-10-18"),
    ("v42", FLG_2024, "2024-10-18"),
    ("V 42", FLG_2024, "2024-10-18"),
    ("v. 2", FLG_2024, "2025-01-10"),
    ("v. 35", FLG_2024, "2024-08-30"),
    ("v. 34", FLG_2024, "2025-08-22"),
    ("v. 42-43", FLG_2024, "2024-10-25"),
    ("v. 53", FLG_2024, "2027-01-01"),
    # seasons (GOLD_FORMAT: autumn 11-30, spring 05-31) and the periods decided in dates.SEASONS
    ("under hösten", FLG_2024, "2024-11-30"),
    ("i höst", FLG_2024, "2024-11-30"),
    ("hösten", FLG_2024, "2024-11-30"),
    ("höstens chefsmöten", FLG_2024, "2024-11-30"),
    ("under hösten", date(2024, 12, 5), "2025-11-30"),
    ("i vår", FLG_2024, "2025-05-31"),
    ("under våren", VSG_2019, "2019-05-31"),
    ("vårens medarbetarsamtal", VSG_2019, "2019-05-31"),
    ("våren 2025", FLG_2024, "2025-05-31"),
    ("i sommar", FLG_REF, "2024-08-31"),
    ("under sommaren", FLG_2024, "2024-08-31"),
    ("efter sommaren", FLG_2024, "2024-09-30"),
    ("efter sommaren", date(2024, 10, 1), "2025-09-30"),
    ("innan sommaren", FLG_REF, "2024-06-30"),
    ("före semestern", FLG_REF, "2024-06-30"),
    ("innan jul", FLG_2024, "2024-12-20"),
    ("före jul", FSG_2022, "2022-12-20"),
    ("till jul", FLG_2024, "2024-12-20"),
    ("efter jul", FLG_2024, "2025-01-31"),
    ("efter jul", date(2024, 1, 10), "2024-01-31"),
    ("årsskiftet", FLG_2024, "2024-12-31"),
    ("vid årsskiftet", FLG_2024, "2024-12-31"),
    ("efter årsskiftet", FLG_2024, "2025-01-31"),
    ("innan midsommar", FLG_REF, "2024-06-20"),
    ("i vinter", FLG_2024, "2025-02-28"),
    ("under vintern", FLG_REF, "2024-02-29"),
    # years, tertials, quarters, half-years: the last day
    ("under 2025", FLG_2024, "2025-12-31"),
    ("Under 2020", FSG_2019, "2020-12-31"),
    ("inför 2025", FLG_2024, "2024-12-31"),
    ("under 2024/25", FLG_2024, "2025-12-31"),
    ("tertial 1", FLG_2024, "2025-04-30"),
    ("tertial 2", FLG_2024, "2024-08-31"),
    ("tertial 3", FLG_2024, "2024-12-31"),
    ("T2", FLG_2024, "2024-08-31"),
    ("T1", FSG_2022, "2023-04-30"),
    ("andra tertialet", FLG_2024, "2024-08-31"),
    ("Q3", FLG_2024, "2024-09-30"),
    ("Q1", FLG_2024, "2025-03-31"),
    ("Q2 2025", FLG_2024, "2025-06-30"),
    ("kvartal 3", FLG_2024, "2024-09-30"),
    ("fjärde kvartalet", FLG_2024, "2024-12-31"),
    ("första halvåret", FLG_2024, "2025-06-30"),
    ("halvår 2", FLG_2024, "2024-12-31"),
    # weekdays: the first such day on or after the meeting; 'nästa <dag>' is in the week after
    ("senast fredag", FLG_2024, "2024-08-30"),
    ("på tisdag", FLG_2024, "2024-08-27"),
    ("på måndag", FLG_2024, "2024-08-26"),
    ("på tisdag", WED, "2024-09-03"),
    ("till onsdag", FSG_2022, "2022-11-23"),
    ("nästa fredag", FLG_2024, "2024-09-06"),
    # English weekdays, as mixed-language notes write them
    ("by Friday", FLG_2024, "2024-08-30"),
    ("deadline fredag", FLG_2024, "2024-08-30"),
    ("in december", FLG_2024, "2024-12-31"),
    ("before October", FLG_2024, "2024-09-30"),
    ("next Friday", FLG_2024, "2024-09-06"),
    # offsets from the meeting date
    ("om två veckor", FLG_2024, "2024-09-09"),
    ("om 2 veckor", FLG_2024, "2024-09-09"),
    ("om 10 dagar", FLG_2024, "2024-09-05"),
    ("inom en månad", FLG_2024, "2024-09-26"),
    ("om tre månader", date(2024, 11, 30), "2025-02-28"),
    ("om ett år", FLG_REF, "2025-01-29"),
    ("imorgon", FLG_2024, "2024-08-27"),
    ("i morgon", FLG_2024, "2024-08-27"),
    ("i övermorgon", FLG_2024, "2024-08-28"),
    # months and years counted from the meeting
    ("nästa månad", FLG_2024, "2024-09-30"),
    ("kommande månad", FSG_2022, "2022-12-31"),
    ("nästa månad", date(2024, 12, 15), "2025-01-31"),
    ("denna månad", FLG_2024, "2024-08-31"),
    ("till månadsskiftet", FLG_2024, "2024-08-31"),
    ("nästa år", FLG_2024, "2025-12-31"),
    ("i år", FLG_2024, "2024-12-31"),
]


@pytest.mark.parametrize(("phrase", "meeting", "expected"), RULES)
def test_rule(phrase: str, meeting: date, expected: str) -> None:
    due = resolve_due(phrase, meeting)
    assert due is not None, phrase
    assert due.date == d(expected)
    assert due.relative is None


NEXT_MEETING_PHRASES = [
    "next meeting",
    "before next weekly",
    "kommande FLG",
    "Uppföljning kommande FLG",
    "nästa möte",
    "nästa FSG/VSG",
    "Punkten flyttas till nästa FSG/VSG då Kommunal inte deltar",
    "på nästa erfarenhetsträff",
    "till nästa sammanträde",
    "kommande FSG",
    "vid nästa tillfälle",
    "nästa APT",
    "tas upp nästa gång",
    "kommande styrgruppsmöte",
    "på nästa flg",
]


@pytest.mark.parametrize("phrase", NEXT_MEETING_PHRASES)
def test_next_meeting(phrase: str) -> None:
    due = resolve_due(phrase, FLG_2024)
    assert due is not None
    assert (due.date, due.relative) == (None, NEXT)


@pytest.mark.parametrize("phrase", [*VAGUE_PHRASES, "Kommande chefsnytt", "kommande dag", "nästa steg"])
def test_vague_phrases_give_no_match(phrase: str) -> None:
    assert find_dates(phrase, FLG_2024) == []
    assert resolve_due(phrase, FLG_2024) is None


# ------------------------------------------------------------------------------------------------
# raw and spans: the phrase as written, its span in the original text
# ------------------------------------------------------------------------------------------------

RAWS: list[tuple[str, date, list[str]]] = [
    ("Klart för uppföljning 7/10 i FLG Alla", FLG_2024, ["7/10"]),
    ("Åter för \ndiskussion till flg den 9 september.", FLG_2024, ["den 9 september"]),
    ("Återkopplar till HR chef efter \nALG i nästa vecka.", FLG_REF, ["i nästa vecka"]),
    ("I början av\njanuari ska alla chefer", FSG_2022, ["I början av januari"]),
    ("Nästa \nvecka ska konsulterna", FSG_2022, ["Nästa vecka"]),
    ("kommande \nvecka.", FSG_2022, ["kommande vecka"]),
    ("1) 2022-12-\n31 \n\n2) 2019-10-\n31", FSG_2019, ["2022-12-31", "2019-10-31"]),
    ("Möte 9 sept. Vi ses", FLG_2024, ["9 sept."]),
    ("Punkten flyttas till nästa FSG/VSG då", VSG_2019, ["nästa FSG/VSG"]),
    ("Detta kommer ske på nästa erfarenhets-\nträff och", VSG_2019, ["på nästa erfarenhetsträff"]),
    ("Uppföljning kommande FLG \nFördelas under 2024 och 2025", FLG_2024, ["kommande FLG", "under 2024"]),
    ("titta \nvidare på detta i FLG under \nhösten.", FLG_2024, ["under hösten"]),
    ("Familjedagen 30 \naugusti", FLG_2024, ["30 augusti"]),
    ("Grupp 1: 25/9 kl 13-16.30 & 26/9 kl 8.30-\n13.00", FLG_2024, ["25/9", "26/9"]),
    ("Socialförvaltningen den 21 nov 2022 \nBilaga till protokoll 11/2022", FSG_2022, ["den 21 nov 2022"]),
    ("fredag den 13 september", FLG_2024, ["den 13 september"]),
    ("Soft\u00adhyphen 7/10", FLG_2024, ["7/10"]),
]


@pytest.mark.parametrize(("text", "meeting", "raws"), RAWS)
def test_raw_and_span(text: str, meeting: date, raws: list[str]) -> None:
    matches = find_dates(text, meeting)
    assert [m.raw for m in matches] == raws
    for m in matches:
        written = " ".join(text[m.start : m.end].replace("\u00ad", "").split())
        assert written.replace("- ", "-").replace("-", "") == m.raw.replace("-", "")
        assert m.raw == m.due.raw


def test_datematch_is_frozen() -> None:
    match = find_dates("7/10", FLG_2024)[0]
    assert match == DateMatch(0, 4, Due("7/10", d("2024-10-07")), "day")
    with pytest.raises(AttributeError):
        match.start = 1  # type: ignore[misc]


# ------------------------------------------------------------------------------------------------
# Masking: numbers that are no dates
# ------------------------------------------------------------------------------------------------

MASKED = [
    "kl 13-16.30",
    "8.30-16.00",
    "10.00-\n10.30",
    "kl. 9.00-10.00",
    "Kl 15.00-\n15.30",
    "Incheckning kl 8.30-9.00",
    "Lunch 12.00-13.00",
    "8.30",
    "SID 1(3)",
    "SID 3(5)",
    "3(5)",
    "Bilaga till protokoll 11/2022",
    "Bilaga till protokoll 2/2019",
    "DNR:02/2019",
    "budget 1,5 mnkr",
    "25 000 kr",
    "statsbidrag på 16 \nmnkr",
    "350 kr för mat/anställd",
    "2/3 av cheferna",
    "daglig verksamhet i 25 år",
    "3 ggr år i samband med tertial och bokslut",
    "Löneöversyn 2024",
    "budget 2021",
    "inför budget 2021",
    "VP 2025",
    "H22",
    "efter H22 City Expo",
    "Impact Innovation Summit 2024",
    "12 % nyhetsbreven",
    "medarbetarundersökningen 2018",
    "2020-03-1025",
    "2019-13-45",
    "31/2",
    "24/7",
    "https://example.se/2024-08-26/7/10?d=2024",
    "punkt 1,5/h en gång i månaden på FLG",
    "Fastställer struktur för vår dagordningar",
    "i vår verksamhet",
    "Föredragningslistan Socialnämnden februari",
    "Personalaktivitet julfest/ julklapp",
    "Förslag att dela upp",
    "se bilaga 3/4",
    "per tertial-, halvår eller helår",
    "Idag finns t ex flera levnadsberättelser",
]


@pytest.mark.parametrize("text", MASKED)
def test_masked_text_has_no_date(text: str) -> None:
    assert find_dates(text, FLG_2024) == []
    assert choose_due(text, FLG_2024) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14/11 kl 13-16.30 & 15/11 kl \n8.30-13.00", ["14/11", "15/11"]),
        ("Protokoll 11/2022, den 21 nov 2022", ["den 21 nov 2022"]),
        ("budget 1,5 mnkr senast 7/10", ["7/10"]),
        ("SID 3(5) 2019-02-25", ["2019-02-25"]),
        ("2/3 av cheferna klara 1/3", ["1/3"]),
    ],
)
def test_masks_keep_neighbouring_dates(text: str, expected: list[str]) -> None:
    assert [m.raw for m in find_dates(text, FLG_2024)] == expected


# ------------------------------------------------------------------------------------------------
# History: past events and starts are matched but flagged, and never chosen as a deadline
# ------------------------------------------------------------------------------------------------

HISTORY: list[tuple[str, date]] = [
    ("Den 14 februari genomfördes ett ledarforum", VSG_2019),
    ("Den 22 februari anordnades en erfarenhetsträff med Feelgood", VSG_2019),
    ("Vuxen presenterade den 19 februari sitt förslag", VSG_2019),
    ("Susanne uppmärksammade att FLG \nfattade beslut den 20/11-23 om rutinen", FLG_REF),
    ("Frågan åter från \n17/6", FLG_2024),
    ("På intranätet lades artikel kring kärngruppen ut 21 november och flera har anmält sig", FSG_2022),
    ("Ärendet som togs upp i FSG i oktober gäller endast", FSG_2022),
    ("styret har förändrats från 1 januari 2019", VSG_2019),
    ("budgetansvaret ska ligga från 2025", FLG_REF),
    ("sedan 2019", FLG_2024),
    ("arbetsskador som redovisades januari 2019", VSG_2019),
    ("Redovisning Feelgood vid chefsmöte 24 maj 2019", FSG_2019),
    ("vilket det inte var under 2018", VSG_2019),
    ("förra mötet den 7/10", FLG_2024),
    ("Kommunstyrelsen beslutade den 12/6 att ge HR-avdelningen i uppdrag", FLG_2024),
    ("Mötet hölls 7/10", FLG_2024),
    ("7/2 har utbildningen genomförts", FLG_REF),
]


@pytest.mark.parametrize(("text", "meeting"), HISTORY)
def test_history(text: str, meeting: date) -> None:
    matches = find_dates(text, meeting)
    assert len(matches) == 1
    assert matches[0].history
    assert choose_due(text, meeting) is None


NOT_HISTORY: list[tuple[str, date, str]] = [
    ("Ansökningstiden gått ut. Intervjuer är planerade till 6/2.", FLG_REF, "2024-02-06"),
    ("Arbetsgivaren har kallat till MBL i början av december för beslut", FSG_2022, "2022-12-10"),
    ("FLG beslutade att rapporten ska vara klar 7/10", FLG_2024, "2024-10-07"),
    ("Nämnden kommer att få delårsrapport i september 2023", FSG_2022, "2023-09-30"),
    ("Rekrytering klar. Johanna Rosén Jonsson börjar den \n12 oktober.", FLG_2024, "2024-10-12"),
    ("Minnesanteckningar från FSG den 21 nov 2022", FSG_2022, "2022-11-21"),
    ("senast 2019-08-31", FSG_2019, "2019-08-31"),  # a marked explicit date is an overdue deadline
]


@pytest.mark.parametrize(("text", "meeting", "expected"), NOT_HISTORY)
def test_not_history(text: str, meeting: date, expected: str) -> None:
    assert not any(m.history for m in find_dates(text, meeting))
    due = choose_due(text, meeting)
    assert due is not None and due.date == d(expected)


# ------------------------------------------------------------------------------------------------
# Deadline markers
# ------------------------------------------------------------------------------------------------

MARKED: list[tuple[str, bool]] = [
    ("Klart för uppföljning 7/10 i FLG", True),
    ("31/10 spikas och AA skickar upp inbjudan.", True),
    ("Uppföljning: \n2020-04-01", True),
    ("Uppföljning kommande FLG", True),
    ("senast fredag", True),
    ("senast den 9 september", True),
    ("innan jul", True),
    ("deadline 14/11", True),
    ("till och med 30/9", True),
    ("ska vara klart till 7/10", True),
    ("Åter för diskussion till flg den 9 september.", True),
    ("Styrgruppsmöte 28/8 (SR, TU, RN)", False),
    ("Rekrytering klar. Johanna börjar den 12 oktober.", False),
    ("uppföljning av sjukfrånvaro Omsorgsdirektör 2019-12-31", False),
    ("Nulägesanalys i höst inför uppstart.", False),
]


@pytest.mark.parametrize(("text", "marked"), MARKED)
def test_marked(text: str, marked: bool) -> None:
    matches = find_dates(text, FSG_2019 if "2019" in text or "2020" in text else FLG_2024)
    assert len(matches) == 1
    assert matches[0].marked is marked


# ------------------------------------------------------------------------------------------------
# choose_due: marked > next meeting > the last remaining date; history never
# ------------------------------------------------------------------------------------------------

CHOICES: list[tuple[str, date, str | None, Relative | None]] = [
    ("31/10 spikas, verksamhetsdialogen hålls 4/11.", FLG_2024, "2024-10-31", None),
    ("Förslag att dela upp verksamhetsdialogen 4/11. 31/10 spikas och AA skickar upp inbjudan.", FLG_2024,
     "2024-10-31", None),
    ("Uppföljning kommande FLG \nFördelas under 2024 och 2025", FLG_2024, None, NEXT),
    ("Tas upp på nästa FLG. Information 7/10 och 14/11.", FLG_2024, None, NEXT),
    ("Grupp 1: 25/9 kl 13-16.30 & 26/9 kl 8.30-13.00", FLG_2024, "2024-09-26", None),
    ("Frågan åter från 17/6. Klart 7/10.", FLG_2024, "2024-10-07", None),
    ("Frågan åter från 17/6. Uppföljning 14/11, presentation 7/10.", FLG_2024, "2024-11-14", None),
    ("Uppföljning på kommande FLG 7/10", FLG_2024, "2024-10-07", None),
    ("Nästa möte: 2024-09-23", FLG_2024, "2024-09-23", None),
    ("Emma återkommer med olika alternativ på kort och lång sikt. "
     "Åter för \ndiskussion till flg den 9 september.", FLG_2024, "2024-09-09", None),
    ("Behöver göra en analys och titta \nvidare på detta i FLG under \nhösten.", FLG_2024, "2024-11-30",
     None),
    ("Redovisning vid chefsmöte 24 maj 2019, klart 2019-12-31", FSG_2019, "2019-12-31", None),
    ("SR och TU tar med fråga till sina ALG. Återkopplar till HR chef efter ALG i nästa vecka.", FLG_REF,
     "2024-02-09", None),
    ("Vuxen presenterade den 19 februari sitt förslag", VSG_2019, None, None),
    ("Arbetar löpande med dessa frågor", VSG_2019, None, None),
    ("Kommande chefsnytt", FLG_2024, None, None),
    ("", FLG_2024, None, None),
]  # fmt: skip


@pytest.mark.parametrize(("text", "meeting", "expected", "relative"), CHOICES)
def test_choose_due(text: str, meeting: date, expected: str | None, relative: Relative | None) -> None:
    due = choose_due(text, meeting)
    if expected is None and relative is None:
        assert due is None
        return
    assert due is not None
    assert due.date == (d(expected) if expected else None)
    assert due.relative is relative


@pytest.mark.parametrize(
    ("cell", "meeting", "expected"),
    [
        ("Uppföljning:  \n2020-04-01 \nUtvärdering: \n2020-10-31", FSG_2019, "2020-04-01"),
        ("4) 2019-08-\n31", FSG_2019, "2019-08-31"),  # a past date in a date column is still the plan
        ("2019-12-31", FSG_2019, "2019-12-31"),
        ("2020-03-31 2020-12-31", FSG_2019, "2020-03-31"),
        ("Kommande \nchefsnytt", FLG_2024, None),
        ("löpande", FLG_2024, None),
        ("", FLG_2024, None),
    ],
)
def test_resolve_due_cell(cell: str, meeting: date, expected: str | None) -> None:
    due = resolve_due(cell, meeting)
    assert (due.date if due else None) == (d(expected) if expected else None)


# ------------------------------------------------------------------------------------------------
# find_meeting_date
# ------------------------------------------------------------------------------------------------


def _opening(prefix: str, lines: int = 40) -> str:
    (path,) = SAMPLES.glob(f"{prefix}_*.txt")
    return "\n".join(path.read_text(encoding="utf-8").split("\n")[:lines])


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("000", "2024-08-26"),
        ("001", None),
        ("002", "2022-11-21"),
        ("003", "2019-09-23"),
        ("004", "2019-02-25"),
    ],
)
def test_meeting_date_of_corpus(prefix: str, expected: str | None) -> None:
    assert find_meeting_date(_opening(prefix)) == (d(expected) if expected else None)
    assert find_meeting_date(_opening(prefix, 10_000)) == (d(expected) if expected else None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mötesdatum: 2024-08-26", "2024-08-26"),
        (" Mötesdatum: \n2024-08-26 \n\nKlockslag: \n8.30-16.00", "2024-08-26"),
        ("Mötesdatum:\n\n26 augusti 2024", "2024-08-26"),
        ("Mötesdatum: 2024-08-26\nNästa möte: 2024-09-23", "2024-08-26"),
        ("Datum: 2024-05-02", "2024-05-02"),
        ("2019-09-10\n\nFASTSTÄLLD VID FSG OCH VID MBL MED VISION 2019-09-23", "2019-09-23"),
        (
            "2023-01-24\n\nPROTOKOLL SAMVERKANSGRUPP\n\nMinnesanteckningar från FSG den 21 nov 2022",
            "2022-11-21",
        ),
        (
            "Minnesanteckningar från samverkansgrupp FSG – \nSocialförvaltningen den 25 februari 2019",
            "2019-02-25",
        ),
        ("Minnesanteckningar FLG 20/11-23", "2023-11-20"),
        ("Protokoll fört vid sammanträde 2024-05-02", "2024-05-02"),
        ("Nästa möte: 2024-09-23", None),
        ("2024-08-26", None),
        ("2020-03-1025 \nMINNESANTECKNINGAR SAMVERKANSGRUPP \nDNR:02/2019 \nSID 3(5)", None),
        ("Minnesanteckningar FLG 7/10", None),
        ("DATUM \nTYP AV DOKUMENT", None),
        ("", None),
        # The forms informal notes use (issue 10): a title word and a date, yymmdd, a date line under the title.
        ("Sammanfattning 2023-05-12", "2023-05-12"),
        ("Protokoll 23-11-06", "2023-11-06"),
        ("Styrelsemöte 190415", "2019-04-15"),
        ("Styrelsemöte 7 mars 2022", "2022-03-07"),
        ("Anteckningar från arbetsgruppen\n12 maj 2023\n", "2023-05-12"),
        ("Kickoff projekt Ugglan\n\n2023-05-12\n\nDeltagare: Kim", "2023-05-12"),
        ("Pensionärsrådet 2023-04-12\nNästa möte 2023-06-01", "2023-04-12"),
        # A date after a deadline word is a task's, even on a line about meetings.
        ("Veckomöte\n\n2024-08-26\n\n- Planera höstens möten, senast 2024-10-30 (CN)", "2024-08-26"),
        ("Styrelsemöte 991399", None),  # no such day
        ("Budget 1,5 mnkr 123456", None),
    ],
)
def test_meeting_date(text: str, expected: str | None) -> None:
    assert find_meeting_date(text) == (d(expected) if expected else None)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("styrelse_2023-05-12.docx", "2023-05-12"),
        ("Protokoll 190415.pdf", "2019-04-15"),
        ("kpr_20230412.md", "2023-04-12"),
        ("apt_23-11-06.txt", "2023-11-06"),
        ("mapp/2024_08_26 FLG.docx", "2024-08-26"),
        ("budget 2023.docx", None),
        ("v42_991399.pdf", None),
        ("protokoll.docx", None),
    ],
)
def test_meeting_date_from_file_name(name: str, expected: str | None) -> None:
    assert meeting_date_from_file_name(name) == (d(expected) if expected else None)


# ------------------------------------------------------------------------------------------------
# Every gold due of the corpus, through resolve_due
# ------------------------------------------------------------------------------------------------


def _gold_dues() -> list[tuple[str, str, date, str | None, str | None]]:
    rows = []
    for path in sorted(SAMPLES.glob("*.gold.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        meeting = d(gold["meeting"]["date"] or gold["reference_date"])
        for item in gold["items"]:
            if item["due"] is not None:
                due = item["due"]
                rows.append((item["id"], due["raw"], meeting, due["date"], due.get("relative")))
    return rows


GOLD_DUES = _gold_dues()


def test_gold_dues_were_found() -> None:
    assert len(GOLD_DUES) >= 40


@pytest.mark.parametrize(("item", "raw", "meeting", "expected", "relative"), GOLD_DUES)
def test_gold_due(item: str, raw: str, meeting: date, expected: str | None, relative: str | None) -> None:
    due = resolve_due(raw, meeting)
    if expected is None and relative is None:
        assert due is None or due.date is None  # 'Kommande chefsnytt': a newsletter, no date
        return
    assert due is not None
    assert due.date == (d(expected) if expected else None)
    assert (due.relative.value if due.relative else None) == relative


# ------------------------------------------------------------------------------------------------
# Properties: never raise, spans inside the text
# ------------------------------------------------------------------------------------------------

FRAGMENTS = [
    "7/10", "den 9 september", "2022-12-\n31", "kl 13-16.30", "i början av ", "januari", "nästa vecka",
    "kommande FLG", "under hösten", "i vår", "v. 42", "Q3", "tertial 2", "senast ", "fredag", "från ",
    "genomfördes", "Mötesdatum: ", "2020-03-1025", "SID 3(5)", "protokoll 11/2022", "29/2", "31/2-24",
    "om två veckor", "efter jul", "\u00ad", "-\n", "\t", " ", ".", "\n", "den ", "2099", "9999-12-31",
]  # fmt: skip
TEXTS = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=25).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, meeting=st.dates())
def test_never_raises_and_spans_inside(text: str, meeting: date) -> None:
    for m in find_dates(text, meeting):
        assert 0 <= m.start < m.end <= len(text)
        assert m.raw.strip()
    due = choose_due(text, meeting)
    assert due is None or isinstance(due, Due)
    resolve_due(text, meeting)
    found = find_meeting_date(text)
    assert found is None or isinstance(found, date)


@pytest.mark.parametrize(
    ("text", "marked"),
    [
        ("Intervjuer är planerade till 6/2.", True),
        ("Visningen är bokad till 14/3.", True),
        ("Intervjuer hölls 6/2.", False),
    ],
)
def test_a_scheduled_date_is_marked(text: str, marked: bool) -> None:
    (match,) = find_dates(text, date(2024, 1, 29))
    assert match.marked is marked


@pytest.mark.parametrize(
    ("day", "shown"),
    [
        (date(2024, 8, 26), "26 aug 2024"),
        (date(2027, 1, 15), "15 jan 2027"),
        (date(2025, 5, 1), "1 maj 2025"),
        (date(2026, 12, 7), "7 dec 2026"),
        (date(2025, 10, 31), "31 okt 2025"),
    ],
)
def test_format_date_is_the_one_way_a_date_is_shown(day: date, shown: str) -> None:
    assert format_date(day) == shown
    # What is shown can be typed back.
    resolved = resolve_due(shown, day)
    assert resolved is not None and resolved.date == day
