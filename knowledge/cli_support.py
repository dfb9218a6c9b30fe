"""What every `fazhi` command needs: a clear error exit and a store that is not empty.

It sits in the bottom layer so that the CLI commands of every layer (web/cli.py, assistant/*/cli.py) share it.
"""
from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

err = Console(stderr=True, soft_wrap=True)


def fail(msg: str, code: int = 2) -> None:
    # escaped: a path or citation with [brackets] must print as written, not as rich markup
    err.print(f"[red]error:[/red] {escape(msg)}", markup=True, highlight=False)
    raise typer.Exit(code)


def open_nonempty_store():
    from knowledge.builder import open_store
    store = open_store()
    if store.counts()["laws"] == 0:
        fail("the knowledge store is empty — run `fazhi knowledge build` first")
    return store
