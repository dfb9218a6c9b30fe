"""`fazhi exam` as a trainer runs it: files written, bank updated, bad input answered in one line."""
import json

import pytest
import typer
from typer.testing import CliRunner

from assistant.exam.cli import exam

runner = CliRunner()
app = typer.Typer(pretty_exceptions_enable=False)
app.command("exam")(exam)


@app.command("version")
def _version() -> None:  # a second command keeps `exam` a subcommand, as in web/cli.py
    pass


def test_writes_paper_key_and_bank(env, tmp_path):
    out, bank = tmp_path / "paper.docx", tmp_path / "bank.json"
    r = runner.invoke(app, ["exam", "--preset", "annual", "--source", "行政复议法,行政处罚法,意见", "--seed", "7",
                            "--out", str(out), "--bank", str(bank)])
    assert r.exit_code == 0, r.output
    assert out.exists() and (tmp_path / "paper_答案.docx").exists()
    assert "50 items, 100 points" in r.output
    fps = json.loads(bank.read_text(encoding="utf-8"))["papers"][0]["fingerprints"]
    assert len(fps) == 50
    r = runner.invoke(app, ["exam", "--source", "行政复议法,行政处罚法,行政许可法,劳动争议调解仲裁法,意见", "--seed", "7", "--out",
                            str(tmp_path / "second.json"), "--bank", str(bank), "--json"])
    assert r.exit_code == 0, r.output
    second = json.loads((tmp_path / "second.json").read_text(encoding="utf-8"))
    assert not {i["fingerprint"] for i in second["items"]} & set(fps)


def test_counts_override_the_preset(env, tmp_path):
    r = runner.invoke(app, ["exam", "--source", "行政许可法", "--single", "3", "--multi", "0", "--judge", "2",
                            "--blank", "1", "--out", str(tmp_path / "p.csv")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "p.csv").read_text(encoding="utf-8-sig").count("\n") == 7


@pytest.mark.parametrize("args,message", [
    (["--preset", "weekly"], "unknown preset 'weekly'"),
    (["--source", "不存在的法"], "unknown source '不存在的法'"),
    (["--source", "意见"], "too few facts for the blueprint"),
    (["--source", "信访条例"], "已废止"),
    (["--difficulty", "hard!"], "cannot read difficulty"),
    (["--as-of", "yesterday"], "expected a date"),
])
def test_bad_input_is_one_clear_line(env, tmp_path, args, message):
    r = runner.invoke(app, ["exam", *args, "--out", str(tmp_path / "p.docx")])
    assert r.exit_code == 2
    assert message in r.output and "Traceback" not in r.output
    assert not (tmp_path / "p.docx").exists()


def test_unknown_suffix(env, tmp_path):
    r = runner.invoke(app, ["exam", "--out", str(tmp_path / "p.pdf")])
    assert r.exit_code == 2 and "unknown format '.pdf'" in r.output


def test_broken_bank(env, tmp_path):
    bank = tmp_path / "bank.json"
    bank.write_text("[]", encoding="utf-8")
    r = runner.invoke(app, ["exam", "--out", str(tmp_path / "p.json"), "--bank", str(bank)])
    assert r.exit_code == 2 and "bank" in r.output and "Traceback" not in r.output
