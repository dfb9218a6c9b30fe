"""`fazhi eval …` — benchmarks and quality measurements (plugged into the CLI by entry point)."""
from __future__ import annotations

import typer

app = typer.Typer(help="Measure quality and speed on gold sets.", no_args_is_help=True)
