#!/usr/bin/env bash
# One command: set up, build what is missing (store, indexes — with progress), start the app on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
. .venv/bin/activate
exec fazhi serve "$@"
