#!/usr/bin/env bash
# Idempotent set-up: a project-local virtualenv with everything Fazhi needs.
# torch is installed first and pinned: any other torch spec pulls a multi-GB CUDA build here.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PY" -m venv .venv
fi
. .venv/bin/activate
stamp=.venv/.fazhi-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "==> installing dependencies (first run takes a few minutes)"
  python -m pip install -q --upgrade pip
  python -m pip install -q torch==2.13.0
  python -m pip install -q -e ".[dev]"
  touch "$stamp"
fi
