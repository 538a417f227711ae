"""scripts/pythons.sh: `make` builds with the newest Python 3.11–3.13 that actually runs, not the first name found."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "pythons.sh"
SHIM = '#!/bin/sh\necho "pyenv: $(basename "$0"): command not found" >&2\nexit 127\n'


def _fake_python(path: Path, *, works: bool) -> None:
    """A stand-in interpreter: one that answers the probe with its own path, or a pyenv shim that fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\necho "{path}"\n' if works else SHIM, encoding="utf-8")
    path.chmod(0o755)


def _run(mode: str, path: Path, pyenv_root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/bash", str(SCRIPT), mode],
        capture_output=True,
        text=True,
        env={"PATH": str(path), "PYENV_ROOT": str(pyenv_root), "HOME": str(pyenv_root)},
        check=False,
        timeout=30,
    )


def test_newest_skips_a_shim_that_fails(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    _fake_python(bin_dir / "python3.13", works=False)
    _fake_python(bin_dir / "python3.12", works=True)
    _fake_python(bin_dir / "python3.11", works=True)
    done = _run("newest", bin_dir, tmp_path / "pyenv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(bin_dir / "python3.12")


def test_newest_without_any_usable_python_says_which_it_needs(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    for name in ("python3.13", "python3.12", "python3.11", "python3"):
        _fake_python(bin_dir / name, works=False)
    done = _run("newest", bin_dir, tmp_path / "pyenv")
    assert done.returncode == 3
    assert done.stdout == ""
    assert all(version in done.stderr for version in ("3.11", "3.12", "3.13"))


def test_all_finds_pyenv_installs_that_pyenv_does_not_select(tmp_path: Path) -> None:
    """The shims fail (another version is selected), but the interpreters under versions/ run directly."""
    bin_dir, root = tmp_path / "bin", tmp_path / "pyenv"
    _fake_python(bin_dir / "python3.13", works=False)
    _fake_python(bin_dir / "python3.12", works=False)
    _fake_python(bin_dir / "python3.11", works=True)
    _fake_python(root / "versions" / "3.13.0" / "bin" / "python3.13", works=True)
    _fake_python(root / "versions" / "3.12.1" / "bin" / "python3.12", works=True)
    done = _run("all", bin_dir, root)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        str(root / "versions" / "3.13.0" / "bin" / "python3.13"),
        str(root / "versions" / "3.12.1" / "bin" / "python3.12"),
        str(bin_dir / "python3.11"),
    ]
    # `newest` keeps to the PATH: what the user selected, not pyenv's unselected versions.
    assert _run("newest", bin_dir, root).stdout.strip() == str(bin_dir / "python3.11")


def test_requires_python_admits_3_11_to_3_13() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'requires-python = ">=3.11,<3.14"' in text
