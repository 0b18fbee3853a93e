#!/usr/bin/env bash
# Set up everything the app needs (see scripts/bootstrap.sh), then start nnsim. Arguments go to nnsim.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/bootstrap.sh" ""

# Compile the engine's kernels once after an install or update, before the window opens, so the
# first start does not spend a minute compiling behind the window.
stamp="$ROOT/.venv/.kernels-$(cat "$ROOT"/engine/kernels/*.py | sha256sum | cut -c1-16)"
if [ ! -e "$stamp" ]; then
    "$ROOT/.venv/bin/python" -m engine.prepare && touch "$stamp"
fi
exec "$ROOT/.venv/bin/nnsim" "$@"
