# Sourced by bin/demo and bin/test: create or refresh ./.venv from pyproject.toml.
# The venv is rebuilt in place when pyproject.toml changes (its hash is kept in .venv/.stamp).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"
want="$(sha256sum "$ROOT/pyproject.toml" | cut -c1-64)-${1:-run}"
if [ ! -x "$VENV/bin/python" ]; then
    echo "mpn: creating virtual environment in $VENV" >&2
    "$PY" -m venv "$VENV"
fi
if [ "$(cat "$VENV/.stamp" 2>/dev/null || true)" != "$want" ]; then
    echo "mpn: installing dependencies (first run or pyproject.toml changed)" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    if [ "${1:-run}" = "dev" ]; then
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT[dev]"
    else
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT"
    fi
    echo "$want" > "$VENV/.stamp"
fi
export PATH="$VENV/bin:$PATH"
cd "$ROOT"
