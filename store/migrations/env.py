"""Alembic's environment: migrate on the connection store.engine passes, or from the alembic command line."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from store.engine import create_engine_for
from store.tables import metadata


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most of a table: autogenerate writes copy-and-move batch operations for it.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_from_command_line(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run_migrations)
    finally:
        await engine.dispose()


def command_line_url() -> str:
    """`alembic -c store/migrations/alembic.ini -x url=sqlite+aiosqlite:///minutesbot.db upgrade head`."""
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("give the database: alembic -c store/migrations/alembic.ini -x url=… <command>")
    return url


def main() -> None:
    connection = context.config.attributes.get("connection")
    if isinstance(connection, Connection):
        run_migrations(connection)
    elif context.is_offline_mode():
        context.configure(url=command_line_url(), target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(run_migrations_from_command_line(command_line_url()))


main()
