"""SqlStore, the union of the repositories: one object with every method of the ports that span aggregates, and
each repository alone enough for the ports of its own aggregate."""

from __future__ import annotations

import inspect

import pytest

from scheduler.jobs import JobLeases
from store import SqlStore
from store.database import Repository
from store.documents import DocumentRepository
from store.not_mine import NotMineRepository
from store.planner import PlannerRepository
from store.reminders import LeaseRepository, ReminderRepository
from store.rosters import RosterRepository
from workflows.ports import (
    ChatStore,
    CursorStore,
    IngestStore,
    ItemQueries,
    OutboxStore,
    PlannerStore,
    RosterStore,
)
from workflows.remind import NotMineLog, ReminderLedger


@pytest.mark.parametrize("port", [IngestStore, CursorStore, ItemQueries, RosterStore, PlannerStore])
def test_the_store_has_every_method_of_the_workflow_ports(port: type) -> None:
    for name, member in vars(port).items():
        if callable(member) and not name.startswith("_"):
            assert list(inspect.signature(getattr(SqlStore, name)).parameters) == list(
                inspect.signature(member).parameters
            ), name


def as_ports(
    store: SqlStore,
) -> tuple[IngestStore, ItemQueries, RosterStore, ChatStore, OutboxStore, PlannerStore]:
    return store, store, store, store, store, store  # mypy checks SqlStore against the Protocols here


def as_ports_of_one_aggregate(
    documents: DocumentRepository,
    rosters: RosterRepository,
    leases: LeaseRepository,
    reminders: ReminderRepository,
    not_mine: NotMineRepository,
    planner: PlannerRepository,
) -> tuple[IngestStore, RosterStore, JobLeases, ReminderLedger, NotMineLog, PlannerStore]:
    return (
        documents,
        rosters,
        leases,
        reminders,
        not_mine,
        planner,
    )  # and each repository against its own ports


def test_no_two_repositories_define_the_same_name() -> None:
    """SqlStore inherits every repository: a name two of them define (a private helper too) would silently be
    the first one's in the other's methods."""
    owners: dict[str, list[str]] = {}
    repositories = [
        base
        for base in SqlStore.__mro__
        if issubclass(base, Repository) and base not in (SqlStore, Repository)
    ]
    for repository in repositories:
        for name in vars(repository):
            if not (name.startswith("__") and name.endswith("__")):
                owners.setdefault(name, []).append(repository.__name__)

    assert len(repositories) >= 8
    assert {name: found for name, found in owners.items() if len(found) > 1} == {}
