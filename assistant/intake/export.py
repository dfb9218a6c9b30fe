"""CSV and XLSX exports of intake records — masked text only (身份证号、手机号 never leave in clear)."""
from __future__ import annotations

import csv
from pathlib import Path

from .masking import mask_text
from .repository import CaseView, IntakeRepository

COLUMNS = ["案件编号", "登记时间", "登记人", "状态", "建议渠道", "置信度", "最终渠道", "改判理由", "决定日期", "依据",
           "期限", "陈述（已脱敏）"]


def _row(c: CaseView) -> list[str]:
    route = c.route or {}
    detail = route.get("basis_detail") or route.get("basis", [])
    basis = "；".join(b.get("label") or b.get("citation") or f"{b.get('law') or ''}{b.get('article') or ''}"
                     for b in detail)
    dl = "；".join(
        f"{d.get('name')}：{d.get('due_earliest') or '未知'}"
        + (f"（{'已过' if d.get('status') == 'expired' else '剩' + str(d.get('days_left')) + '日'}）"
           if d.get("days_left") is not None else "")
        for d in route.get("deadlines", []))
    return [c.case_no, c.created_at.strftime("%Y-%m-%d %H:%M:%S"), c.created_by, c.status, c.suggested_channel or "",
            f"{c.suggested_confidence:.2f}" if c.suggested_confidence is not None else "", c.final_channel or "",
            c.override_reason or "", c.decision_date.isoformat() if c.decision_date else "", basis, dl,
            mask_text(c.text)]  # the view is already masked; masking again is a guard, not a transformation


def rows(repo: IntakeRepository, status: str | None = None, channel: str | None = None) -> list[list[str]]:
    out, offset = [], 0
    while True:
        batch = repo.list(status=status, channel=channel, limit=500, offset=offset)
        out.extend(_row(c) for c in batch)
        if len(batch) < 500:
            return out
        offset += 500


def export_csv(repo: IntakeRepository, path: Path, status: str | None = None, channel: str | None = None) -> int:
    data = rows(repo, status, channel)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel opens it as UTF-8
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        w.writerows(data)
    return len(data)


def export_xlsx(repo: IntakeRepository, path: Path, status: str | None = None, channel: str | None = None) -> int:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    data = rows(repo, status, channel)
    wb = Workbook()
    ws = wb.active
    ws.title = "分流登记"
    ws.append(COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in data:
        ws.append(r)
    widths = {"A": 20, "B": 20, "C": 10, "D": 8, "E": 16, "F": 8, "G": 16, "H": 24, "I": 12, "J": 40, "K": 40, "L": 80}
    for col, w in widths.items():
        ws.column_dimensions[col].width = w
    for row in ws.iter_rows(min_row=2, min_col=12, max_col=12):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(path))
    return len(data)


def export(repo: IntakeRepository, path: Path, status: str | None = None, channel: str | None = None) -> int:
    """By extension: .xlsx or .csv."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return export_xlsx(repo, path, status, channel)
    if suffix == ".csv":
        return export_csv(repo, path, status, channel)
    raise ValueError(f"{path}: export to .csv or .xlsx")
