"""skip_or_fail: skip a test whose outside dependency (PostgreSQL, Node, network namespaces, a browser) is
missing on a developer's machine, but fail it in CI (CI=true), where a skip would hide that it never ran."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

CI_VALUES = {"true", "1", "yes"}


def in_ci() -> bool:
    """Whether the tests run in CI: the CI variable every CI service sets (GitHub Actions, GitLab: 'true')."""
    return os.environ.get("CI", "").strip().lower() in CI_VALUES


def skip_or_fail(reason: str) -> NoReturn:
    if in_ci():
        pytest.fail(f"{reason} (CI=true: a missing dependency fails in CI instead of skipping)")
    pytest.skip(reason)
