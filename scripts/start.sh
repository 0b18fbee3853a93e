#!/usr/bin/env bash
# Set up everything the app needs (see scripts/bootstrap.sh), then start nnsim. Arguments go to nnsim.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/bootstrap.sh" ""
exec "$ROOT/.venv/bin/nnsim" "$@"
