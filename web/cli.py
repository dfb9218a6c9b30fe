"""The `fazhi` command line (typer). Each capability adds its commands here; evaluation plugs in its own
through the `fazhi.commands` entry-point group so no application module imports it."""
from __future__ import annotations

import json
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from knowledge.cli_support import fail, open_nonempty_store

app = typer.Typer(help="法治助手 Fazhi — offline Chinese legal assistant", no_args_is_help=True,
                  pretty_exceptions_enable=False)
knowledge_app = typer.Typer(help="The provision store: build, inspect, resolve citations.", no_args_is_help=True)
app.add_typer(knowledge_app, name="knowledge")
index_app = typer.Typer(help="Search indexes: build, train, status.", no_args_is_help=True)
app.add_typer(index_app, name="index")
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@knowledge_app.command("build")
def knowledge_build(
    add: list[Path] = typer.Option([], "--add", help="LawRefBook-layout folder, or .txt/.md/.docx file or folder"),
    remove: list[Path] = typer.Option([], "--remove", help="forget a previously added source"),
    level: str = typer.Option("规范性文件", help="level for added local documents"),
    region: Optional[str] = typer.Option(None, help="region for added local documents"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="date (YYYY-MM-DD) that decides current versions"),
    json_out: bool = typer.Option(False, "--json", help="print the report as JSON"),
) -> None:
    """Import national laws, the Wenzhou opinions and every registered source (incremental)."""
    from knowledge.builder import build, open_store
    for p in add:
        if not p.exists():
            fail(f"--add {p}: no such file or folder")
    store = open_store()
    report = build(store, add=[str(p) for p in add], remove=[str(p) for p in remove], as_of=as_of,
                   progress=not json_out, add_options={"level": level, "region": region})
    if json_out:
        print(json.dumps({"report": report.to_dict(), "stats": store.stats()}, ensure_ascii=False, indent=1))
        return
    _print_stats(store.stats())
    console.print(f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
                  f"removed {report.removed} units in {report.seconds:.1f}s (as of {report.as_of})")
    if report.failed:
        console.print(f"[yellow]{len(report.failed)} input(s) not imported:[/yellow]")
        for issue in report.failed[:50]:
            console.print(f"  {issue}", markup=False)
        if len(report.failed) > 50:
            console.print(f"  … and {len(report.failed) - 50} more (see `fazhi knowledge stats --json`)")


@knowledge_app.command("fetch")
def knowledge_fetch(from_: Optional[Path] = typer.Option(None, "--from", help="a local copy: a folder in this "
                                                         "layout (行政法规/ 司法解释/ …) or a LawRefBook checkout"),
                    json_out: bool = typer.Option(False, "--json", help="print the build report as JSON")) -> None:
    """Add the regulations (行政法规, 司法解释, 部门规章, Zhejiang 地方性法规): LawRefBook at a pinned commit,
    downloaded when online, or imported from a local copy; then the store is rebuilt (incremental)."""
    from knowledge import fetch
    from knowledge.builder import build, open_store
    from knowledge.settings import get_settings
    s = get_settings()
    try:
        if from_ is not None:
            root = fetch.local(from_, fetch.destination(s.home))
        else:
            err.print(f"downloading {fetch.REPOSITORY} @ {fetch.COMMIT[:12]} …")
            root = fetch.download(fetch.destination(s.home))
    except fetch.FetchError as exc:
        fail(str(exc))
    store = open_store(s)
    report = build(store, add=[str(root)], progress=not json_out, settings=s)
    if json_out:
        print(json.dumps({"source": str(root), "report": report.to_dict()}, ensure_ascii=False, indent=1))
        return
    _print_stats(store.stats())
    console.print(f"regulations from {root}: added {report.added}, updated {report.updated}, unchanged "
                  f"{report.unchanged} units in {report.seconds:.1f}s; the indexes follow on the next start")


def _print_stats(stats: dict) -> None:
    t = Table(title=f"知识库 {stats['laws']} 部 / {stats['provisions']} 条")
    for col in ("效力层级", "文件", "条文", "现行有效", "已修改", "已废止", "尚未生效"):
        t.add_column(col, justify="right" if col != "效力层级" else "left")
    order = ["宪法", "法律", "行政法规", "司法解释", "部门规章", "地方性法规", "规范性文件"]
    for level in sorted(stats["levels"], key=lambda x: order.index(x) if x in order else 99):
        d = stats["levels"][level]
        bs = d["by_status"]
        t.add_row(level, str(d["laws"]), str(d["provisions"]),
                  *(str(bs.get(s, 0)) for s in ("现行有效", "已修改", "已废止", "尚未生效")))
    console.print(t)


@knowledge_app.command("stats")
def knowledge_stats(json_out: bool = typer.Option(False, "--json")) -> None:
    """Counts per level and status, and the inputs that failed to import."""
    stats = open_nonempty_store().stats()
    if json_out:
        print(json.dumps(stats, ensure_ascii=False, indent=1))
    else:
        _print_stats(stats)
        for f in stats["failed_units"]:
            console.print(f"  failed: {f['path']}: {f['error']}", markup=False)


@knowledge_app.command("show")
def knowledge_show(citation: str, json_out: bool = typer.Option(False, "--json"),
                   as_of: Optional[str] = typer.Option(None, "--as-of")) -> None:
    """Print one provision by citation, e.g. 行政复议法第二十条 or 《…》第二十条第一款."""
    from knowledge.citations import CitationResolver
    res = CitationResolver(open_nonempty_store(), as_of=as_of).resolve(citation)
    if json_out:
        print(json.dumps(res.to_json(), ensure_ascii=False, indent=1))
        raise typer.Exit(0 if res.found else 1)
    if not res.found and not res.provision:
        fail({"unparsed": f"cannot read {citation!r} as a citation (expected e.g. 行政复议法第二十条)",
               "law_not_found": f"no law named in {citation!r} is in the store",
               "article_not_found": f"{res.law.title if res.law else citation}: no such article",
               }.get(res.reason, res.reason), 1)
    law, prov = res.law, res.provision
    colour = "green" if res.status == "现行有效" else "yellow"
    console.print(f"[bold]{res.label}[/bold]  [{colour}]{res.status}[/{colour}]")
    console.print(f"{law.level} · {law.issuing_body or ''} · {law.region} · 公布 {law.publish_date or '—'} · "
                  f"施行 {law.effective_date or '—'}", markup=False)
    if prov.path:
        console.print(" / ".join(prov.path), markup=False)
    console.print()
    console.print(res.quote, markup=False)
    if law.status_basis:
        console.print(f"\n状态依据: {law.status_basis}", style="dim", markup=False)
    console.print(f"\n来源: {law.source_path}:{prov.source_line}", style="dim", markup=False)


@knowledge_app.command("resolve")
def knowledge_resolve(batch: Path = typer.Option(..., "--batch", help="one citation a line; '-' for stdin"),
                      as_of: Optional[str] = typer.Option(None, "--as-of")) -> None:
    """Resolve many citations; JSON lines out: citation, found, law, article, status, provision_id, text."""
    from knowledge.citations import CitationResolver
    if str(batch) != "-" and not batch.exists():
        fail(f"--batch {batch}: no such file")
    fh = sys.stdin if str(batch) == "-" else batch.open(encoding="utf-8")
    resolver = CitationResolver(open_nonempty_store(), as_of=as_of)
    for line in fh:
        cit = line.strip()
        if not cit:
            continue
        r = resolver.resolve(cit).to_json()
        print(json.dumps({k: r[k] for k in ("citation", "found", "law", "article", "status", "provision_id",
                                            "text", "reason")}, ensure_ascii=False))


def _retriever(dense: bool | None = None, background: bool = False, progress: bool = True):
    """dense=None follows FAZHI_DENSE (on by default)."""
    from indexing.retriever import open_retriever
    try:
        return open_retriever(dense=dense, background=background, progress=progress)
    except RuntimeError as exc:
        fail(str(exc))


def _queries(batch: Path):
    """(line number, id, query) from a {"id","query"} JSONL file; a bad line is reported and skipped."""
    if not batch.exists():
        fail(f"--batch {batch}: no such file")
    with batch.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                yield n, d["id"], d["query"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                err.print(f"{batch}:{n}: skipped, expected {{\"id\",\"query\"}} ({exc})")


def _filters(level: Optional[str], region: Optional[str], status: Optional[str], as_of: Optional[str]):
    from indexing.retriever import Filters
    split = lambda v: {x.strip() for x in v.split(",") if x.strip()} if v else None  # noqa: E731
    f = Filters(levels=split(level), regions=split(region), as_of=as_of)
    if status:
        f.statuses = None if status == "all" else split(status)
    return f


@index_app.command("build")
def index_build(dense: bool = typer.Option(True, help="also build the dense (e5) index")) -> None:
    """Build the lexical and dense indexes now (the app otherwise builds them on first start)."""
    import time
    t0 = time.time()
    r = _retriever(dense=dense, background=False, progress=True)
    console.print(r.status())
    console.print(f"ready in {time.time() - t0:.1f}s")


@index_app.command("status")
def index_status() -> None:
    """What is built and what is loaded (learned artifacts and where they came from); never builds anything."""
    from indexing.report import index_report
    from knowledge.settings import get_settings
    console.print_json(json.dumps(index_report(get_settings()), ensure_ascii=False))


@index_app.command("train")
def index_train(set_: Path = typer.Option(..., "--set", help="gold set (STARD layout); only its training part is read"),
                epochs: int = typer.Option(4),
                lr: Optional[float] = typer.Option(None, help="the query tower's learning rate "
                                                              "\\[default: 2e-4]"),
                fusion_only: bool = typer.Option(False, help="keep the query tower, refit only the fusion"),
                folds: Optional[int] = typer.Option(None, min=1, help="fold towers that rank the re-ranker's training "
                                                    "questions (cross-fitting; 1 = rank them with the final tower) "
                                                    "\\[default: 4]"),
                soup: Optional[int] = typer.Option(None, min=1, help="query towers trained from different seeds and "
                                                   "weight-averaged (1 = a single tower, a third of the training "
                                                   "time) \\[default: 3]"),
                refit: Optional[bool] = typer.Option(None, "--refit/--no-refit",
                                                     help="train the served tower again on all training questions, "
                                                     "development included, once development has shown the recipe "
                                                     "helps \\[default: refit]"),
                out: Optional[Path] = typer.Option(None, help="where the learned artifacts go \\[default: "
                                                   "$FAZHI_HOME/learned, used instead of the shipped ones; "
                                                   "indexing/data/learned to replace what the project ships]")) -> None:
    """Fine-tune the e5 query tower and fit the re-ranker on the training split: an adapter, the question memory,
    the re-ranker and a manifest, in one folder."""
    from indexing.train import train
    if not set_.exists():
        fail(f"--set {set_}: no such file")
    r = _retriever(dense=True, background=False, progress=True)
    # options left out keep train()'s defaults, which are defined once, in indexing.train
    given = {k: v for k, v in {"lr": lr, "folds": folds, "soup": soup, "refit": refit}.items() if v is not None}
    report = train(r, set_, epochs=epochs, log=lambda m: console.print(m, markup=False),
                   fusion_only=fusion_only, out=out, **given)
    console.print_json(json.dumps(report, ensure_ascii=False))


@app.command("search")
def search(query: Optional[str] = typer.Argument(None, help="the question, in everyday words"),
           k: int = typer.Option(10, "--k", min=1, max=200),
           batch: Optional[Path] = typer.Option(None, "--batch", help='JSONL of {"id","query"}; JSONL out'),
           level: Optional[str] = typer.Option(None, help="comma-separated levels, e.g. 法律,行政法规"),
           region: Optional[str] = typer.Option(None, help="e.g. 浙江省 (includes its cities)"),
           status: Optional[str] = typer.Option(None, help="statuses to keep (default 现行有效; 'all')"),
           as_of: Optional[str] = typer.Option(None, "--as-of", help="show the versions in force on this date"),
           json_out: bool = typer.Option(False, "--json")) -> None:
    """Search the store: law, article, 款, status, score, snippet."""
    if not query and not batch:
        fail("give a query or --batch FILE")
    r = _retriever(background=False, progress=not (json_out or batch))
    f = _filters(level, region, status, as_of)
    if batch:
        for n, qid, q in _queries(batch):
            try:
                hits = r.search(q, k=k, filters=f)
            except ValueError as exc:
                err.print(f"{batch}:{n}: {exc}")
                hits = []
            print(json.dumps({"id": qid, "results": [
                {"law": h.law, "article": h.article, "paragraph": h.paragraph, "status": h.status,
                 "text": h.text, "score": h.score, "provision_id": h.provision_id} for h in hits]},
                ensure_ascii=False))
        return
    try:
        hits = r.search(query, k=k, filters=f)
    except ValueError as exc:
        fail(str(exc))
    if json_out:
        print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=1))
        return
    t = Table(title=f"{query}", show_lines=False)
    for col in ("#", "法律", "条", "款", "状态", "分数", "摘要"):
        t.add_column(col, overflow="fold")
    for i, h in enumerate(hits, 1):
        t.add_row(str(i), h.short_title, h.article, f"第{h.paragraph}款" if h.paragraph else "", h.status,
                  f"{h.score:.3f}", h.snippet)
    console.print(t)


def _backend(llm: Optional[str], model: str, gguf: Optional[Path]):
    if llm:
        from assistant.llm.openai_compat import OpenAICompatBackend
        return OpenAICompatBackend(llm, model=model)
    if gguf:
        from assistant.llm.base import LLMError
        from assistant.llm.llama_cpp import LlamaCppBackend
        try:
            return LlamaCppBackend(gguf)
        except LLMError as exc:
            fail(str(exc))
    return None


@app.command("ask")
def ask(query: Optional[str] = typer.Argument(None, help="the question"),
        batch: Optional[Path] = typer.Option(None, "--batch", help='JSONL of {"id","query"}; JSONL out'),
        llm: Optional[str] = typer.Option(None, help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1"),
        model: str = typer.Option("default", help="model name for --llm"),
        gguf: Optional[Path] = typer.Option(None, help="local GGUF model (llama-cpp-python)"),
        json_out: bool = typer.Option(False, "--json")) -> None:
    """Answer a question in plain Chinese, citing the exact 款 and its status."""
    from assistant.answer.assistant import Assistant, AskError
    from assistant.llm.base import LLMError
    if not query and not batch:
        fail("give a question or --batch FILE")
    r = _retriever(background=False, progress=not (json_out or batch))
    a = Assistant(r, backend=_backend(llm, model, gguf), router=_router_or_none(r))

    def one(q: str) -> dict:
        ans = a.ask(q)
        return {"answer": ans.text, "grounded": ans.grounded,
                "citations": [{k: c[k] for k in ("law", "article", "paragraph", "status", "quote")}
                              for c in ans.citations]}
    if batch:
        for n, qid, q in _queries(batch):
            try:
                print(json.dumps({"id": qid, **one(q)}, ensure_ascii=False))
            except (AskError, LLMError) as exc:
                print(json.dumps({"id": qid, "error": str(exc)}, ensure_ascii=False))
        return
    try:
        ans = a.ask(query)
    except (AskError, LLMError) as exc:
        fail(str(exc))
    if json_out:
        print(json.dumps(ans.to_dict(), ensure_ascii=False, indent=1))
        return
    console.print(ans.text, markup=False)
    g = ans.guard
    console.print(f"\n引用核验: {len(g.checks)} 处, 删除 {g.removed} 处; "
                  f"{'有据' if ans.grounded else '证据不足'}; {ans.timings['total_ms']} ms", style="dim", markup=False)


def _router_or_none(retriever):
    """The dispute router, when its module is present (it adds 办理途径 to answers)."""
    try:
        from assistant.routing.router import Router
    except ImportError:
        return None
    try:
        router = Router(retriever.store)
    except Exception:
        return None
    return router.route


@app.command("serve")
def serve(host: str = typer.Option("127.0.0.1"), port: int = typer.Option(7860)) -> None:
    """Start the web service (API + front end); builds what it needs on first start, with progress."""
    from web.app import serve as run
    run(host=host, port=port)


def _register_capabilities() -> None:
    """Commands whose modules live in the assistant layer (imported lazily by their own modules)."""
    from assistant.exam.cli import exam as exam_command
    from assistant.routing import cli as routing_cli
    app.command("exam", help="Build an exam paper (任前/年度学法/执法资格) with answer key and citations.")(exam_command)
    app.command("triage", help="Route a dispute account: channel, basis, deadlines, what is missing.")(routing_cli.triage)
    intake_app = typer.Typer(help="Intake records: add, list, show, decide, export.", no_args_is_help=True)
    app.add_typer(intake_app, name="intake")
    for name, fn in [("add", routing_cli.intake_add), ("list", routing_cli.intake_list),
                     ("show", routing_cli.intake_show), ("set-channel", routing_cli.intake_set_channel),
                     ("status", routing_cli.intake_status), ("export", routing_cli.intake_export)]:
        intake_app.command(name)(fn)


def _load_plugins() -> None:
    for ep in entry_points(group="fazhi.commands"):
        try:
            app.add_typer(ep.load(), name=ep.name)
        except Exception as exc:  # a broken plugin must not take the CLI down
            err.print(f"[yellow]plugin {ep.name} not loaded: {exc}[/yellow]")


def main() -> None:
    _register_capabilities()
    _load_plugins()
    app()


if __name__ == "__main__":
    main()
