#!/usr/bin/env bash
# One command: set up, then run the whole test suite (unit, real-corpus, browser).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
# browser tests drive Debian's Chromium (never a downloaded browser); CJK fonts for readable screenshots
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) || echo "warning: chromium not installed; browser tests will skip"
  else
    echo "warning: chromium missing (apt-get install chromium fonts-noto-cjk); browser tests will skip"
  fi
fi
. .venv/bin/activate
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
python -m pytest "$@"
