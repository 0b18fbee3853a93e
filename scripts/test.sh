#!/usr/bin/env bash
# Set up everything the tests need (see scripts/bootstrap.sh), then run pytest on the whole suite.
# Arguments go to pytest, e.g.: bash scripts/test.sh -q -k dense
#
# Qt draws offscreen unless QT_QPA_PLATFORM is already set. PyTorch, the reference the engine is
# checked against, is required: a test that would be skipped for want of it fails instead.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

NNSIM_QT_LIBS="${NNSIM_QT_LIBS:-offscreen}" bash scripts/bootstrap.sh "test,reference"

export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
export NNSIM_REQUIRE_REFERENCE=1
export NUMBA_CACHE_DIR="${NUMBA_CACHE_DIR:-$ROOT/.cache/numba}"
mkdir -p "$NUMBA_CACHE_DIR"

status=0
.venv/bin/python -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "test.sh: pytest collected no tests (exit code 5); that counts as a failure" >&2
fi
exit "$status"
