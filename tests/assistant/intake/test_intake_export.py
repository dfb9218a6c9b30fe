"""CSV and XLSX exports read back, with identifiers masked."""
import csv
from datetime import date

import pytest

from assistant.intake.export import COLUMNS, export

TODAY = date(2026, 11, 28)
TEXT = "联系人电话15900001111，身份证33030219851231002X。公司欠我三个月工资，去年12月离职的。"


@pytest.fixture()
def filled(repo, intake_router):
    a = repo.register_and_route(TEXT, intake_router, "clerk01", today=TODAY)
    b = repo.register_and_route("合同约定温州仲裁委员会仲裁，对方欠货款八十万不付。", intake_router, "clerk01", today=TODAY)
    repo.set_final_channel(b.id, "民事诉讼", "clerk02", reason="当事人称仲裁条款已被法院认定无效")
    return repo, a, b


def test_csv_reads_back(filled, tmp_path):
    repo, a, b = filled
    path = tmp_path / "cases.csv"
    assert export(repo, path) == 2
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")          # BOM for Excel
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == COLUMNS and len(rows) == 3
    rec = dict(zip(rows[0], rows[1]))
    assert rec["案件编号"] == a.case_no and rec["建议渠道"] == "劳动人事争议仲裁" and rec["状态"] == "分流"
    assert "159****1111" in rec["陈述（已脱敏）"] and "3303**********002X" in rec["陈述（已脱敏）"]
    assert "劳动仲裁时效" in rec["期限"] and "劳动争议调解仲裁法第二十七条" in rec["依据"]
    second = dict(zip(rows[0], rows[2]))
    assert second["最终渠道"] == "民事诉讼" and second["改判理由"].startswith("当事人称")
    assert b"15900001111" not in raw and b"33030219851231002X" not in raw


def test_xlsx_reads_back(filled, tmp_path):
    from openpyxl import load_workbook
    repo, a, b = filled
    path = tmp_path / "cases.xlsx"
    assert export(repo, path) == 2
    ws = load_workbook(path).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == COLUMNS and len(rows) == 3
    assert rows[1][0] == a.case_no and "159****1111" in rows[1][-1]
    assert all("15900001111" not in str(v) for r in rows for v in r)


def test_filtered_export_and_bad_extension(filled, tmp_path):
    repo, a, b = filled
    assert export(repo, tmp_path / "lab.csv", channel="劳动人事争议仲裁") == 1
    with pytest.raises(ValueError):
        export(repo, tmp_path / "cases.pdf")
