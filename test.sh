#!/usr/bin/env bash
# One command: set up, then run the whole test suite (unit, real-corpus, browser).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
. .venv/bin/activate
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
python -m pytest "$@"
