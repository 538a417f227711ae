"""Tests that need PostgreSQL, Node, network namespaces or a browser skip on a developer's machine without
them, but fail in CI (CI=true), where a skip would hide that they never ran."""

from __future__ import annotations

import pytest

from tests.skips import skip_or_fail


@pytest.mark.parametrize("ci", ["true", "TRUE", "1"])
def test_in_ci_a_missing_dependency_fails(monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(BaseException, match="Node") as raised:  # Skipped and Failed are BaseExceptions
        skip_or_fail("Node saknas")
    assert raised.type is pytest.fail.Exception


@pytest.mark.parametrize("ci", [None, "", "false", "0"])
def test_elsewhere_a_missing_dependency_skips(monkeypatch: pytest.MonkeyPatch, ci: str | None) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(BaseException, match="Node") as raised:
        skip_or_fail("Node saknas")
    assert raised.type is pytest.skip.Exception
