#!/usr/bin/env bash
# Which Pythons the project can use: 3.11, 3.12 or 3.13 (pyproject.toml's requires-python).
#
#   scripts/pythons.sh newest   the newest usable interpreter on the PATH, as a full path on stdout (what `make`
#                               builds .venv with); exit 3 and a Swedish message on stderr when there is none
#   scripts/pythons.sh all      every usable interpreter, one full path a line, one per minor version, newest
#                               first (`make test-pythons`); also pyenv's installed versions
#
# "Usable" means it was run and answered: a name on the PATH is not enough, because a pyenv shim for a version
# that pyenv does not select exists and fails ("pyenv: python3.13: command not found").
set -uo pipefail

readonly MINORS="13 12 11"
readonly NEEDED="Python 3.11, 3.12 eller 3.13"

# Prints the interpreter's real path when it runs and is 3.MINOR, nothing otherwise.
probe() {
    local candidate=$1 minor=$2
    "$candidate" -c "import sys; assert sys.version_info[:2] == (3, $minor); print(sys.executable)" \
        2>/dev/null </dev/null
}

# On the PATH only (what the user selected); with `pyenv`, also pyenv's installed versions run directly, not
# through its shims, so a version pyenv does not select still counts for `make test-pythons`.
candidates() {
    local minor=$1 scope=$2 root dirs index
    echo "python3.$minor"
    if [ "$scope" = pyenv ]; then
        root=${PYENV_ROOT:-$HOME/.pyenv}
        dirs=("$root"/versions/3."$minor".*)
        for ((index = ${#dirs[@]} - 1; index >= 0; index--)); do
            [ -x "${dirs[index]}/bin/python3.$minor" ] && echo "${dirs[index]}/bin/python3.$minor"
        done
    fi
    echo "python3"
}

first_usable() {
    local minor=$1 scope=$2 candidate found
    for candidate in $(candidates "$minor" "$scope"); do
        if found=$(probe "$candidate" "$minor") && [ -n "$found" ]; then
            echo "$found"
            return 0
        fi
    done
    return 1
}

case "${1:-}" in
newest)
    for minor in $MINORS; do
        first_usable "$minor" path && exit 0
    done
    echo "fel: ingen fungerande $NEEDED hittades (prövade python3.13, python3.12, python3.11," \
        "och python3 på PATH). Installera en av dem, t.ex. 'apt-get install python3' på" \
        "Debian 12/13 eller Ubuntu 24.04, eller ange en: make PYTHON=/sökväg/till/python3.12" >&2
    exit 3
    ;;
all)
    for minor in $MINORS; do
        first_usable "$minor" pyenv
    done
    exit 0
    ;;
*)
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
