"""`fazhi exam`: build a paper from a preset (or counts), sources and a seed, and write it.

Registered by web/cli.py with `app.command("exam")(exam)`; every bad input ends in one clear line on
stderr and exit code 2, never a traceback.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

err = Console(stderr=True, soft_wrap=True)
out_console = Console(soft_wrap=True)


def exam(
    preset: str = typer.Option("annual", "--preset", "-p",
                               help="paper format: annual (年度学法), appointment (任前), enforcement (执法资格)"),
    source: Optional[str] = typer.Option(
        None, "--source", "-s",
        help="laws to test, comma-separated, each optionally narrowed to parts: "
             "行政复议法,行政处罚法:第五章,意见:九+十 (default: the preset's)"),
    seed: int = typer.Option(0, "--seed", help="same seed + blueprint + store → the identical paper"),
    out: Path = typer.Option(..., "--out", "-o",
                             help="output file; the suffix picks the format: .docx (paper + _答案 key), .xlsx, .csv, "
                                  ".json"),
    bank: Optional[Path] = typer.Option(None, "--bank",
                                        help="JSON bank of earlier papers: their items (type + fact) are not asked "
                                             "again, and this paper is added to it"),
    single: Optional[int] = typer.Option(None, "--single", help="number of 单选 items (overrides the preset)"),
    multi: Optional[int] = typer.Option(None, "--multi", help="number of 多选 items"),
    judge: Optional[int] = typer.Option(None, "--judge", help="number of 判断 items"),
    blank: Optional[int] = typer.Option(None, "--blank", help="number of 填空 items"),
    difficulty: Optional[str] = typer.Option(None, "--difficulty", help="difficulty mix, e.g. 易30,中50,难20"),
    title: Optional[str] = typer.Option(None, "--title", help="paper title (default: the preset's)"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="date (YYYY-MM-DD) that decides current law"),
    json_out: bool = typer.Option(False, "--json", help="print the build report as JSON"),
) -> None:
    """Build an exam paper (领导干部任前 / 年度学法 / 执法资格) from current provisions, every item checked."""
    from .blueprint import ExamError
    try:
        report = run_exam(preset=preset, source=source, seed=seed, out=out, bank=bank, single=single, multi=multi,
                          judge=judge, blank=blank, difficulty=difficulty, title=title, as_of=as_of)
    except ExamError as exc:
        err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot write {out}: {exc.strerror or exc}", highlight=False)
        raise typer.Exit(2) from None
    if json_out:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return
    out_console.print(f"{report['title']}: {report['items']} items, {report['total_points']:g} points "
                      f"(seed {report['seed']}; sources: {'、'.join(report['sources'])})", markup=False)
    out_console.print(f"checked {report['checked']}, dropped {sum(report['dropped'].values())} "
                      f"{report['dropped'] or ''}, {report['bank_skipped']} skipped as already in the bank; "
                      f"{report['seconds']:.2f}s", markup=False)
    for f in report["files"]:
        out_console.print(f"wrote {f}", markup=False)


def run_exam(preset: str = "annual", source: str | None = None, seed: int = 0, out: Path | str = "paper.docx",
             bank: Path | str | None = None, single: int | None = None, multi: int | None = None,
             judge: int | None = None, blank: int | None = None, difficulty: str | None = None,
             title: str | None = None, as_of: str | None = None, store=None) -> dict:
    """The command without typer: validates everything before touching the store or the output."""
    from dataclasses import replace

    from .blueprint import ExamError, parse_mix, parse_sources
    from .blueprint import preset as get_preset
    from .builder import Bank, ExamBuilder
    from .export import FORMATS, export

    out = Path(out)
    if out.suffix.lower() not in FORMATS:
        raise ExamError(f"--out {out.name}: unknown format {out.suffix or '(no suffix)'!r}; "
                        f"use one of {', '.join(FORMATS)}")
    if out.exists() and out.is_dir():
        raise ExamError(f"--out {out}: is a folder, give a file name")
    bp = get_preset(preset)
    bp = bp.with_counts(单选=single, 多选=multi, 判断=judge, 填空=blank)
    if difficulty:
        bp = bp.with_difficulty(parse_mix(difficulty))
    if title:
        bp = replace(bp, title=title)
    sources = parse_sources(source) if source is not None else bp.sources
    the_bank = Bank.load(bank) if bank else None
    if as_of:
        from datetime import date
        try:
            date.fromisoformat(as_of)
        except ValueError:
            raise ExamError(f"--as-of {as_of!r}: expected a date YYYY-MM-DD") from None

    if store is None:
        from knowledge.builder import open_store
        store = open_store()
    if store.counts()["laws"] == 0:
        raise ExamError("the knowledge store is empty — run `fazhi knowledge build` first")
    builder = ExamBuilder(store, as_of=as_of)
    paper = builder.build(bp, seed=seed, bank=the_bank, sources=sources)
    files = export(paper, out)
    if the_bank is not None:
        the_bank.add(paper)
        the_bank.save()
    return {"title": paper.title, "preset": bp.name, "seed": seed, "sources": paper.sources,
            "total_points": paper.total_points, **paper.report(), "files": [str(f) for f in files]}
