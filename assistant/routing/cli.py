"""CLI commands for dispute triage and intake records — plain functions, registered by ``web/cli.py``:

    app.command("triage")(triage)
    app.command("intake-list")(intake_list)  …  (see the module's __all__)

``fazhi triage "…" [--json] [--today 2026-11-28] [--save]`` routes one account;
``fazhi triage --batch FILE.jsonl`` reads ``{"id","text"}`` lines (``-`` for stdin) and writes one JSON line per
input: ``{"id","channel","ranked","basis","deadlines","missing"}``, or ``{"id","line","error","code"}`` for a
line that cannot be routed — the rest goes on.
"""
from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from knowledge.cli_support import fail, open_nonempty_store

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

__all__ = ["triage", "intake_add", "intake_list", "intake_show", "intake_set_channel", "intake_status",
           "intake_export"]


def _router():
    from assistant.routing.router import Router
    return Router(open_nonempty_store())


def _today(value: Optional[str]) -> date:
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--today {value!r}: expected YYYY-MM-DD")


def _facts(value: Optional[str]) -> Optional[dict]:
    if not value:
        return None
    try:
        d = json.loads(value)
    except json.JSONDecodeError as exc:
        fail(f"--facts: not JSON ({exc})")
    if not isinstance(d, dict):
        fail("--facts: expected a JSON object, e.g. '{\"arbitration_agreement\": true}'")
    return d


def batch_line(router, line: str, n: int, today: date) -> dict:
    """One output object for one input line (never raises for bad input)."""
    from assistant.routing.router import RoutingInputError
    try:
        d = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"id": None, "line": n, "error": f"不是 JSON：{exc.msg}", "code": "bad_json"}
    if not isinstance(d, dict) or "text" not in d:
        return {"id": d.get("id") if isinstance(d, dict) else None, "line": n,
                "error": '每行应当是 {"id": ..., "text": ...}', "code": "bad_record"}
    try:
        route = router.route(d["text"], today=today, facts=d.get("facts") if isinstance(d.get("facts"), dict) else None)
    except RoutingInputError as exc:
        return {"id": d.get("id"), "line": n, "error": exc.reason, "code": exc.code}
    out = {"id": d.get("id"), **route.to_json(full=False)}
    return out


def triage(
    text: Optional[str] = typer.Argument(None, help="the citizen's account, as typed or pasted"),
    batch: Optional[Path] = typer.Option(None, "--batch", help='JSONL of {"id","text"} (- for stdin); JSONL out'),
    json_out: bool = typer.Option(False, "--json", help="print the full route as JSON"),
    today: Optional[str] = typer.Option(None, "--today", help="decision date YYYY-MM-DD (default: today)"),
    facts: Optional[str] = typer.Option(None, "--facts", help='clerk-confirmed facts as JSON, e.g. {"arbitration_agreement": true}'),
    save: bool = typer.Option(False, "--save", help="also register and route the case in the intake records"),
    actor: str = typer.Option("窗口", "--actor", help="who is routing (for the intake audit trail)"),
) -> None:
    """Where a dispute belongs, on what basis, by when, and what to ask next."""
    from assistant.routing.router import RoutingInputError
    if not text and not batch:
        fail('give an account (fazhi triage "…") or --batch FILE.jsonl')
    day = _today(today)
    router = _router()
    if batch:
        if str(batch) != "-" and not batch.exists():
            fail(f"--batch {batch}: no such file")
        fh = sys.stdin if str(batch) == "-" else batch.open(encoding="utf-8", errors="replace")
        ok = bad = 0
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            out = batch_line(router, line, n, day)
            bad += "error" in out
            ok += "error" not in out
            print(json.dumps(out, ensure_ascii=False), flush=True)
        err.print(f"{ok} routed, {bad} error line(s)", highlight=False)
        return
    try:
        route = router.route(text, today=day, facts=_facts(facts))
    except RoutingInputError as exc:
        fail(f"{exc.reason} [{exc.code}]")
    case = None
    if save:
        from assistant.intake.repository import IntakeRepository
        repo = IntakeRepository()
        case = repo.record_route(repo.register(text, actor, decision_date=route.today).id, route, actor)
    if json_out:
        d = route.to_json(full=True)
        if case:
            d["case_no"] = case.case_no
        print(json.dumps(d, ensure_ascii=False, indent=1))
        return
    print_route(route)
    if case:
        console.print(f"\n已登记：{case.case_no}（状态 {case.status}）", markup=False)


def print_route(route) -> None:
    colour = "green" if route.confidence >= 0.7 else "yellow"
    console.print(f"[bold]建议渠道：{route.channel}[/bold]  [{colour}]置信度 {route.confidence:.2f}[/{colour}]  "
                  f"（{route.decided_by}）")
    for line in route.explanation:
        console.print(f"  {line}", markup=False)
    if route.basis:
        console.print("\n[bold]依据[/bold]")
        for b in route.basis:
            mark = "" if b.current else "  [red]（未找到或非现行有效）[/red]"
            console.print(f"  {b.label or b.citation}{mark}", highlight=False)
            if b.quote:
                q = b.quote.replace("\n", " ")
                console.print(f"    {q[:120]}{'…' if len(q) > 120 else ''}", style="dim", markup=False)
    if route.prerequisites:
        console.print("\n[bold]前置程序[/bold]")
        for p in route.prerequisites:
            console.print(f"  {p}", markup=False)
    if route.deadlines:
        console.print("\n[bold]期限[/bold]")
        for d in route.deadlines:
            if d.status == "unknown":
                console.print(f"  {d.name}（{d.period}，{d.basis}）：起算日不明——{d.note}", markup=False)
                continue
            due = d.due_earliest.isoformat() if d.due_earliest == d.due_latest else \
                f"{d.due_earliest.isoformat()}～{d.due_latest.isoformat()}"
            state = {"expired": f"[red]已过期 {-d.days_left} 日[/red]", "running": f"剩 {d.days_left} 日",
                     "uncertain": f"[yellow]可能已过期（起算日只知道范围），最早截止剩 {d.days_left} 日[/yellow]"}[d.status]
            console.print(f"  {d.name}（{d.period}，{d.basis}）：自「{d.start_raw}」起算，最后一日 {due}，{state}",
                          highlight=False)
        console.print(f"  计算规则：{route.counting_rule}", style="dim", markup=False)
    if route.missing:
        console.print("\n[bold]还需要问[/bold]")
        for m in route.missing:
            console.print(f"  · {m['question']}", markup=False)
    t = Table(title="各渠道", show_lines=False)
    for col in ("渠道", "资格", "置信度", "说明"):
        t.add_column(col, overflow="fold")
    names = {"eligible": "可以", "not_eligible": "不可以", "needs_information": "待核实"}
    for a in route.ranked:
        t.add_row(a.channel, names[a.eligibility], f"{a.confidence:.2f}", "；".join(a.reasons))
    console.print(t)


# ------------------------------------------------------------------------------------------- intake

def _repo():
    from assistant.intake.repository import IntakeRepository
    return IntakeRepository()


def _intake_call(fn, *args, **kwargs):
    from assistant.intake.repository import IntakeError
    from assistant.routing.router import RoutingInputError
    try:
        return fn(*args, **kwargs)
    except IntakeError as exc:
        fail(str(exc))
    except RoutingInputError as exc:
        fail(f"{exc.reason} [{exc.code}]")


def intake_add(text: str = typer.Argument(..., help="the account"),
               actor: str = typer.Option(..., "--actor", help="who registers (工号或姓名)"),
               today: Optional[str] = typer.Option(None, "--today")) -> None:
    """Register a case and route it (登记 → 分流)."""
    repo = _repo()
    case = _intake_call(repo.register_and_route, text, _router(), actor, today=_today(today))
    console.print(f"{case.case_no}  {case.status}  建议：{case.suggested_channel}（{case.suggested_confidence:.2f}）",
                  markup=False)


def intake_list(status: Optional[str] = typer.Option(None, "--status"),
                channel: Optional[str] = typer.Option(None, "--channel"),
                limit: int = typer.Option(50, "--limit"),
                json_out: bool = typer.Option(False, "--json")) -> None:
    """List cases (identifiers masked)."""
    cases = _repo().list(status=status, channel=channel, limit=limit)
    if json_out:
        for c in cases:
            print(json.dumps({k: v for k, v in c.to_json().items() if k not in ("route", "facts")}, ensure_ascii=False))
        return
    t = Table(title=f"分流登记（{len(cases)}）")
    for col in ("编号", "状态", "建议", "最终", "登记人", "陈述（已脱敏）"):
        t.add_column(col, overflow="fold")
    for c in cases:
        t.add_row(c.case_no, c.status, c.suggested_channel or "", c.final_channel or "", c.created_by,
                  c.text if len(c.text) <= 60 else c.text[:60] + "…")
    console.print(t)


def intake_show(case_no: str = typer.Argument(...), json_out: bool = typer.Option(False, "--json")) -> None:
    """One case with its audit trail (identifiers masked)."""
    repo = _repo()
    case = _intake_call(repo.get_by_no, case_no)
    trail = repo.audit_trail(case.id)
    if json_out:
        print(json.dumps({**case.to_json(), "audit": [a.to_json() for a in trail]}, ensure_ascii=False, indent=1))
        return
    console.print(f"[bold]{case.case_no}[/bold]  {case.status}  建议 {case.suggested_channel}  最终 {case.final_channel or '—'}",
                  highlight=False)
    console.print(case.text, markup=False)
    if case.override_reason:
        console.print(f"改判理由：{case.override_reason}", markup=False)
    for a in trail:
        console.print(f"  {a.at:%Y-%m-%d %H:%M:%S}  {a.actor}  {a.action}  {json.dumps(a.changes, ensure_ascii=False)}"
                      f"{'  ' + a.note if a.note else ''}", markup=False)


def intake_set_channel(case_no: str = typer.Argument(...), channel: str = typer.Argument(...),
                       actor: str = typer.Option(..., "--actor"),
                       reason: Optional[str] = typer.Option(None, "--reason", help="required when not the suggestion")) -> None:
    """Staff decide the channel (a different one than suggested needs --reason)."""
    repo = _repo()
    case = _intake_call(repo.get_by_no, case_no)
    case = _intake_call(repo.set_final_channel, case.id, channel, actor, reason)
    console.print(f"{case.case_no}  最终渠道 {case.final_channel}", markup=False)


def intake_status(case_no: str = typer.Argument(...), status: str = typer.Argument(..., help="分流/受理/转办/办结"),
                  actor: str = typer.Option(..., "--actor"), note: Optional[str] = typer.Option(None, "--note")) -> None:
    """Move a case along 登记 → 分流 → 受理/转办 → 办结."""
    repo = _repo()
    case = _intake_call(repo.get_by_no, case_no)
    case = _intake_call(repo.transition, case.id, status, actor, note)
    console.print(f"{case.case_no}  {case.status}", markup=False)


def intake_export(path: Path = typer.Argument(..., help="out.csv or out.xlsx"),
                  status: Optional[str] = typer.Option(None, "--status"),
                  channel: Optional[str] = typer.Option(None, "--channel")) -> None:
    """Export cases to CSV or XLSX (identifiers masked)."""
    from assistant.intake.export import export
    try:
        n = export(_repo(), path, status=status, channel=channel)
    except ValueError as exc:
        fail(str(exc))
    console.print(f"{n} case(s) → {path}", markup=False)
