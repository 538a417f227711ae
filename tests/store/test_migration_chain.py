"""The migrations form one line, 0001 → 0002 → … → head: a second head (two branches adding revisions side by
side) or a gap (a revision revising one that is not there, a number skipped) fails here, not at a deploy."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from store.engine import MIGRATIONS, migration_config


def chain_problems(script: ScriptDirectory) -> list[str]:
    """What keeps the revisions of `script` from being one line numbered 0001, 0002, … from the base, each in
    a file v<revision>_….py; none when they are."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # alembic warns of a down revision it cannot find, then fails
            heads = script.get_heads()
            bases = script.get_bases()
            revisions = list(reversed(list(script.walk_revisions())))  # base first
    except KeyError as missing:
        return [f"a revision revises {missing}, which is not there"]
    problems = []
    if len(heads) != 1:
        problems.append(f"{len(heads)} heads: {', '.join(sorted(heads))}")
    if len(bases) != 1:
        problems.append(f"{len(bases)} bases: {', '.join(sorted(bases))}")
    problems += [
        f"{r.revision} merges {r.down_revision}" for r in revisions if isinstance(r.down_revision, tuple)
    ]
    numbers = [revision.revision for revision in revisions]
    expected = [f"{number:04d}" for number in range(1, len(revisions) + 1)]
    if not problems and numbers != expected:
        problems.append(f"revisions {numbers}, not numbered {expected}")
    problems += [
        f"{r.revision} is in {Path(r.path).name}"
        for r in revisions
        if not Path(r.path).name.startswith(f"v{r.revision}_")
    ]
    return problems


def test_the_migrations_are_one_line() -> None:
    script = ScriptDirectory.from_config(migration_config())

    assert chain_problems(script) == []
    assert script.get_current_head() == f"{len(list(script.walk_revisions())):04d}"


def revision_file(revision: str, down_revision: str | None) -> str:
    return "\n".join(
        [
            f'"""A revision for the test.\n\nRevision ID: {revision}\nRevises: {down_revision}\n"""',
            f"revision = {revision!r}",
            f"down_revision = {down_revision!r}",
            "branch_labels = None",
            "depends_on = None",
            "",
            "",
            "def upgrade() -> None:",
            "    pass",
            "",
            "",
            "def downgrade() -> None:",
            "    pass",
            "",
        ]
    )


def with_revision(tmp_path: Path, revision: int, down_revision: int | None, name: str) -> ScriptDirectory:
    """A copy of the migrations with one more revision file, `name`."""
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    down = None if down_revision is None else f"{down_revision:04d}"
    (folder / "versions" / name).write_text(revision_file(f"{revision:04d}", down))
    return ScriptDirectory(str(folder))


def head() -> int:
    current = ScriptDirectory.from_config(migration_config()).get_current_head()
    assert current is not None
    return int(current)


@pytest.mark.parametrize(
    ("added", "revises", "problem"),
    [
        (1, -1, "2 heads"),  # two branches each added the next revision
        (1, None, "2 bases"),  # a second first revision
        (2, 1, "which is not there"),  # revises a revision that is not there
        (2, 0, "not numbered"),  # a number skipped
    ],
)
def test_a_second_head_or_a_gap_is_found(
    tmp_path: Path, added: int, revises: int | None, problem: str
) -> None:
    revision = head() + added
    down_revision = None if revises is None else head() + revises
    script = with_revision(tmp_path, revision, down_revision, f"v{revision:04d}_added.py")

    problems = chain_problems(script)

    assert any(problem in found for found in problems), problems


def test_a_revision_in_a_file_of_another_number_is_found(tmp_path: Path) -> None:
    script = with_revision(tmp_path, head() + 1, head(), "v9999_next.py")

    assert chain_problems(script) == [f"{head() + 1:04d} is in v9999_next.py"]
