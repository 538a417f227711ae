"""SqlStore: every repository of the store over one database, as one object for the ports that span several
aggregates (workflows.ports.ChatStore, OutboxStore). Does I/O."""

from __future__ import annotations

from store.audit import AuditRepository
from store.conversations import ConversationRepository
from store.documents import DocumentRepository
from store.item_queries import ItemQueryRepository
from store.items import ItemRepository
from store.not_mine import NotMineRepository
from store.outbox_queue import OutboxRepository
from store.planner import PlannerRepository
from store.reminders import LeaseRepository, ReminderRepository
from store.report_backs import ReportBackRepository
from store.rosters import RosterRepository


class SqlStore(
    DocumentRepository,
    ItemRepository,
    ItemQueryRepository,
    NotMineRepository,
    ReportBackRepository,
    PlannerRepository,
    ConversationRepository,
    RosterRepository,
    OutboxRepository,
    ReminderRepository,
    LeaseRepository,
    AuditRepository,
):
    """The store of ingested minutes: satisfies the Protocols of workflows.ports (IngestStore, ItemQueries,
    RosterStore, FollowingStore, ChatStore, OutboxStore, PlannerStore), the reminder ledger and the scheduler's
    job leases.
    Each method is its aggregate's repository's; a caller whose port is one aggregate's may be given that
    repository alone, over `database` (they share its engine, write lock and read cache):

        store = SqlStore(Database(engine))
        leases = LeaseRepository(store.database)
    """

    async def close(self) -> None:
        await self.database.close()

    @property
    def max_key_length(self) -> int | None:
        return self.database.max_key_length
