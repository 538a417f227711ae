"""The bot latency bench's world: its identities, groups, command mix and the words its minutes are made of,
the conversations' ids, and the process figures every process of the bench reports."""

from __future__ import annotations

import contextlib
import os
import resource
import sys
from pathlib import Path
from typing import Any

from common import ROOT

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tests.bot.auth_keys, tests.fake_connector

SECTION = "## Bot latency"
TARGET_P99_MS = 100.0
# The paced scenario: each user reads the answer and types the next command 5 to 15 seconds later (10 s on
# average). People in Teams are slower than that; 200 of them at this pace offer about 20 turns/s.
DEFAULT_THINK = "5-15"
APP_ID = "00000000-0000-0000-0000-00000000b075"
TENANT = "00000000-0000-0000-0000-000000000001"
BOT_ID = f"28:{APP_ID}"
BOT_NAME = "minutesbot"
CONNECTOR_TOKEN = "connector-bench-token"
ERROR_TEXT = "Något gick fel"  # bot.teams_gateway.ERROR_TEXT, without importing botbuilder in the client
GROUPS = ("FLG", "FSG", "VSG", "ISG", "KLG", "PLG", "ELG", "ULG")
PERSONAL_SHARE = 0.2  # users who talk to the bot in a personal chat instead of their group's channel
# The command mix (weights, in per cent); "invoke item.done" is a click on an item card's "Klar" button
# (adaptiveCard/action), "invoke list.page" a click on 'Nästa ›' under `öppna`'s first page, as Teams sends it.
MIX: dict[str, int] = {
    "mina": 20,
    "öppna": 10,
    "öppna XY": 10,
    "beslut budget": 10,
    "uppföljning": 10,
    "klar N": 10,
    "invoke item.done": 20,
    "invoke list.page": 10,
}
# The second page of a list: what its Nästa button carries (cards.views.place_data), what the page says.
NEXT_PAGE_DATA: dict[str, str | int] = {"view": "öppna", "offset": 15, "back": "0"}
NEXT_PAGE_LINE = "Visar 16–"
FIRST_NAMES = (
    "Anna Annika Anders Björn Birgitta Carl Cecilia Daniel Elin Erik Eva Fredrik Gustav Hanna Helena Ingrid "
    "Johan Johanna Karin Kerstin Lars Lena Linnea Magnus Maria Mats Mikael Nils Olof Oskar Per Petra Sara "
    "Sofia Stefan Susanne Tomas Ulla Ulf Viktor"
).split()
LAST_NAMES = (
    "Andersson Berg Bergström Dahl Ek Eriksson Forsberg Gustafsson Hansson Holm Isaksson Jakobsson Johansson "
    "Karlsson Larsson Lind Lindberg Lundgren Magnusson Nilsson Nyström Olsson Persson Pettersson Sandberg "
    "Sjöberg Strand Svensson Wallin Åberg Öberg"
).split()
TOPICS = (
    "Budget 2025",
    "Budgetuppföljning",
    "Lokaler",
    "Schema och bemanning",
    "Arbetsmiljö",
    "Rekrytering",
    "IT och system",
    "Kvalitetsarbete",
    "Ekonomi",
    "Information från ledningen",
    "Övriga frågor",
)
ACTIONS = (
    "ta fram ett förslag på {x} till nästa möte",
    "kontakta fastighetsförvaltningen om {x}",
    "sammanställa synpunkter på {x}",
    "boka möte med facket om {x}",
    "uppdatera rutinen för {x}",
    "undersöka kostnaden för {x}",
    "skicka ut underlaget om {x} till gruppen",
)
THINGS = (
    "budgeten för nästa år",
    "ventilationen i plan 3",
    "sommarschemat",
    "introduktionen av nyanställda",
    "det nya bokningssystemet",
    "friskvårdsbidraget",
    "brandskyddet",
    "städningen av köket",
    "kompetensutvecklingen",
    "budgetramen för IT",
)
DECISIONS = (
    "Gruppen beslutar att godkänna {x}.",
    "Beslut: {x} skjuts upp till hösten.",
    "Gruppen beslutar att avsätta medel för {x} inom budget.",
    "Beslutades att {x} följs upp kvartalsvis.",
)

MEASURED = ("bot", "workflows", "store", "cards", "minutes")
PHASE_TIMEOUT = 1800.0  # seconds a scenario may take before the run is given up
Result = dict[str, Any]


def rss_now_mib() -> float:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def machine_busy_seconds() -> float:
    """CPU seconds all processes of the machine have used since boot (/proc/stat: all but idle and iowait)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        busy = sum(fields[:8]) - fields[3] - fields[4]
        return busy / os.sysconf("SC_CLK_TCK")
    return float("nan")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def channel_id(group: str) -> str:
    return f"19:{group.lower()}-protokoll@thread.tacv2"


def team_id(group: str) -> str:
    return f"19:{group.lower()}-team@thread.tacv2"


def personal_id(user: Result) -> str:
    return f"a:personal-{user['aad']}"


def personal_ref(user: Result, service_url: str) -> Any:
    from minutes.records import ConversationType, ConvRef

    return ConvRef(
        service_url=service_url,
        conversation_id=personal_id(user),
        conversation_type=ConversationType.PERSONAL,
        tenant_id=TENANT,
        bot_id=BOT_ID,
        user_id=user["teams_id"],
        user_aad_id=user["aad"],
    )
