"""A group's file: people as before, and each settings table parsed, or refused with the key named."""

from __future__ import annotations

from datetime import time

import pytest

from minutes.calendar import QuietHours
from minutes.group_file import GroupFile, GroupFileError, GroupSettings, ReminderRule, parse_group_file
from minutes.planner import BucketMode, PlannerRule
from minutes.records import RosterEntry
from minutes.roster import RosterError

PEOPLE = """\
group = "FLG"

[[person]]
initials = "AA"
name = "Annika Andersson"
roles = ["omsorgsdirektör", "Sammankallande"]
aad_object_id = "00000000-0000-0000-0000-000000000000"
upn = "annika.andersson@kommun.example"

[[person]]
name = "Bo Berg"
roles = "sekreterare"
"""
PEOPLE_ONLY = PEOPLE.removeprefix('group = "FLG"\n')


def test_a_roster_of_people_alone_reads_as_before() -> None:
    assert parse_group_file(PEOPLE) == GroupFile(
        group="FLG",
        people=(
            RosterEntry(
                group="FLG",
                initials="AA",
                name="Annika Andersson",
                roles=("omsorgsdirektör", "sammankallande"),
                aad_object_id="00000000-0000-0000-0000-000000000000",
                upn="annika.andersson@kommun.example",
            ),
            RosterEntry(group="FLG", initials=None, name="Bo Berg", roles=("sekreterare",)),
        ),
        settings=GroupSettings(),
    )


@pytest.mark.parametrize(
    ("tables", "expected"),
    [
        pytest.param(
            '[sources]\nfolders = ["/srv/protokoll/flg", "arkiv"]\n'
            'sharepoint = ["https://kommun.sharepoint.com/sites/VOF/Delade dokument/FLG"]',
            GroupSettings(
                folders=("/srv/protokoll/flg", "arkiv"),
                sharepoint=("https://kommun.sharepoint.com/sites/VOF/Delade dokument/FLG",),
            ),
            id="sources",
        ),
        pytest.param(
            '[meetings]\nrule = "varannan  måndag från 2024-08-26"',
            GroupSettings(meeting_rule="varannan måndag från 2024-08-26"),
            id="meeting rule",
        ),
        pytest.param(
            '[digest]\nwhen = "fredag kl. 13.30"', GroupSettings(digest="fredag kl. 13.30"), id="digest"
        ),
        pytest.param(
            '[reminders]\ndays_before = [3]\nweekly_overdue = false\nquiet_hours = "17:00-08:00"',
            GroupSettings(
                reminders=ReminderRule(
                    days_before=(3,), weekly_overdue=False, quiet=QuietHours(start=time(17), end=time(8))
                )
            ),
            id="reminders",
        ),
        pytest.param("[reminders]", GroupSettings(reminders=ReminderRule()), id="reminders all default"),
        pytest.param(
            "[reminders]\ndays_before = []\non_day = false",
            GroupSettings(reminders=ReminderRule(days_before=(), on_day=False)),
            id="no reminders before the day",
        ),
        pytest.param("[agenda]\ndays_before = 5", GroupSettings(agenda_days_before=5), id="agenda lead"),
        pytest.param(
            "[archive]\nafter_months = 12", GroupSettings(archive_after_months=12), id="archive rule"
        ),
        pytest.param("[cards]\nreview_first = true", GroupSettings(review_first=True), id="review first"),
        pytest.param("[cards]\nreview_first = false", GroupSettings(), id="published at once"),
        pytest.param(
            '[planner]\nplan = "xqQg5FS2LkCp935s-FIFm2QAFkHM"',
            GroupSettings(planner=PlannerRule(plan_id="xqQg5FS2LkCp935s-FIFm2QAFkHM")),
            id="planner: an existing plan",
        ),
        pytest.param(
            '[planner]\ncreate_in_group = "02bd9fd6-8f93-4758-87c3-1fb73740a315"\nbuckets = "topic"',
            GroupSettings(
                planner=PlannerRule(
                    create_in_group="02bd9fd6-8f93-4758-87c3-1fb73740a315", bucket_mode=BucketMode.TOPIC
                )
            ),
            id="planner: a plan created in the group, a bucket per topic",
        ),
        pytest.param(
            "[planner]\nenabled = false", GroupSettings(planner=PlannerRule(enabled=False)), id="planner: off"
        ),
        pytest.param(
            "[report_back]\nlead_working_days = 3",
            GroupSettings(report_back_lead_days=3),
            id="report-back lead",
        ),
        pytest.param(
            "[sources]\n[meetings]\n[digest]\n[agenda]\n[archive]\n[report_back]\n[cards]",
            GroupSettings(),
            id="empty tables",
        ),
    ],
)
def test_each_settings_table(tables: str, expected: GroupSettings) -> None:
    parsed = parse_group_file(f"{PEOPLE}\n{tables}\n")
    assert parsed.settings == expected
    assert len(parsed.people) == 2  # the tables after the people change nothing about them


def test_the_tables_may_come_before_the_people() -> None:
    text = 'group = "FSG"\n[digest]\nwhen = "mån 08:00"\n[[person]]\nname = "Bo Berg"\n'
    parsed = parse_group_file(text)
    assert (parsed.settings.digest, [p.name for p in parsed.people]) == ("mån 08:00", ["Bo Berg"])


@pytest.mark.parametrize(
    ("tables", "said"),
    [
        ("[digets]\nwhen = 'mån 08:00'", "okänd nyckel 'digets'"),
        ("title = 'Förvaltningens ledningsgrupp'", "okänd nyckel 'title'"),
        ("digest = 'mån 08:00'", "[digest] ska vara en tabell"),
        ("[digest]\ntid = 'mån 08:00'", "[digest]: okänd nyckel 'tid' (kända: when)"),
        ("[digest]\nwhen = 'lör 09:00'", "[digest] when: 'lör 09:00' förstås inte: bara vardagar"),
        ("[digest]\nwhen = 'mån 24:00'", "[digest] when: 'mån 24:00': 24:00 är inget klockslag"),
        ("[digest]\nwhen = 8", "[digest] when: ska vara en text"),
        ("[meetings]\nrule = 'ibland'", "[meetings] rule: 'ibland' är ingen mötesregel"),
        (
            "[meetings]\nrule = 'varannan måndag'",
            "[meetings] rule: 'varannan måndag': ange från vilket datum",
        ),
        ("[reminders]\ndays_before = [0]", "[reminders] days_before: högst 10 hela dagar"),
        ("[reminders]\ndays_before = [91]", "[reminders] days_before: högst 10 hela dagar"),
        ("[reminders]\ndays_before = [1,2,3,4,5,6,7,8,9,10,11]", "[reminders] days_before: högst 10"),
        ("[reminders]\ndays_before = 7", "[reminders] days_before: ska vara en lista av heltal"),
        ("[reminders]\ndays_before = [true]", "[reminders] days_before: ska vara en lista av heltal"),
        ("[reminders]\non_day = 'ja'", "[reminders] on_day: ska vara true eller false"),
        (
            "[reminders]\nquiet_hours = '07:30-18:00'",
            "[reminders] quiet_hours: '07:30-18:00': tysta timmar går",
        ),
        ("[reminders]\nquiet_hours = 'kväll'", "[reminders] quiet_hours: 'kväll' förstås inte"),
        ("[reminders]\nweekly = true", "[reminders]: okänd nyckel 'weekly'"),
        ("[agenda]\ndays_before = 0", "[agenda] days_before: 0 går inte: 1–20"),
        ("[agenda]\ndays_before = 21", "[agenda] days_before: 21 går inte: 1–20"),
        ("[agenda]\ndays_before = 'tre'", "[agenda] days_before: ska vara ett heltal"),
        ("[agenda]\ndays_before = true", "[agenda] days_before: ska vara ett heltal"),
        ("[archive]\nafter_months = 0", "[archive] after_months: 0 går inte: 1–120"),
        ("[archive]\nafter_months = '12'", "[archive] after_months: ska vara ett heltal"),
        ("[archive]\nmonths = 12", "[archive]: okänd nyckel 'months' (kända: after_months)"),
        ("[report_back]\nlead_working_days = 0", "[report_back] lead_working_days: 0 går inte: 1–20"),
        ("[report_back]\nlead_working_days = 'två'", "[report_back] lead_working_days: ska vara ett heltal"),
        (
            "[report_back]\nlead_days = 2",
            "[report_back]: okänd nyckel 'lead_days' (kända: lead_working_days)",
        ),
        ("[cards]\nreview_first = 'ja'", "[cards] review_first: ska vara true eller false"),
        ("[cards]\nreview = true", "[cards]: okänd nyckel 'review' (kända: review_first)"),
        (
            "[planner]\nbuckets = 'meeting'",
            "[planner] plan: ange planens id (plan) eller Microsoft 365-gruppens id",
        ),
        ("[planner]\nplan = 'p'\ncreate_in_group = 'g'", "[planner] plan: ange antingen en befintlig plan"),
        ("[planner]\nplan = 'p'\nbuckets = 'vecka'", "[planner] buckets: 'vecka' går inte"),
        ("[planner]\nplan = 'p'\nenabled = 'ja'", "[planner] enabled: ska vara true eller false"),
        ("[sources]\nfolders = '/srv/flg'", "[sources] folders: ska vara en lista av texter"),
        ("[sources]\nfolders = ['']", "[sources] folders: ska vara en lista av texter"),
        ("[sources]\nfolders = ['https://kommun.sharepoint.com/x']", "[sources] folders: 'https://kommun"),
        ("[sources]\nsharepoint = ['/srv/flg']", "[sources] sharepoint: '/srv/flg' är ingen https-adress"),
    ],
)
def test_a_bad_value_names_its_table_and_key(tables: str, said: str) -> None:
    with pytest.raises(GroupFileError) as refused:
        parse_group_file(f"group = 'FLG'\n{tables}\n{PEOPLE_ONLY}")
    assert said in refused.value.message
    assert "\n" not in refused.value.message


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("group = [", "inte giltig TOML"),
        ("[[person]]\nname = 'Bo'", "saknar 'group"),
        ("group = ' '", "saknar 'group"),
        ("group = 'FLG'\nperson = 'Bo'", "lista av [[person]]-tabeller"),
        ("group = 'FLG'\n[[person]]\ninitials = 'BB'", "person nr 1 saknar namn"),
        (
            "group = 'FLG'\n[[person]]\nname = 'A'\ninitials = 'X'\n[[person]]\nname = 'B'\ninitials = 'X'",
            "samma",
        ),
    ],
)
def test_a_broken_roster_is_still_a_roster_error(text: str, said: str) -> None:
    with pytest.raises(RosterError) as refused:
        parse_group_file(text)
    assert said in refused.value.message
