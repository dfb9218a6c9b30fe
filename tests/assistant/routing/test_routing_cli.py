"""`fazhi triage` as a clerk runs it: one account, --json, --batch JSONL with error lines, --save."""
import json

import pytest
import typer
from typer.testing import CliRunner

from assistant.routing import cli

runner = CliRunner()
app = typer.Typer()
app.command("triage")(cli.triage)
app.command("intake-list")(cli.intake_list)
app.command("intake-show")(cli.intake_show)
app.command("intake-status")(cli.intake_status)
app.command("intake-set-channel")(cli.intake_set_channel)
app.command("intake-export")(cli.intake_export)


@pytest.fixture()
def env(store, settings, router_models_dir, router_model, tmp_path, monkeypatch):
    from knowledge.settings import get_settings
    monkeypatch.setenv("FAZHI_HOME", str(settings.home))
    monkeypatch.setenv("FAZHI_MODELS", str(router_models_dir))
    monkeypatch.setenv("FAZHI_INTAKE_URL", f"sqlite:///{tmp_path / 'intake.sqlite'}")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_one_account_human_and_json(env):
    r = runner.invoke(app, ["triage", "城管上个月罚了我五千，决定书是上个月底收到的，我不服。", "--today", "2026-11-28"])
    assert r.exit_code == 0, r.output
    assert "建议渠道：行政复议" in r.output and "《中华人民共和国行政复议法》第二十条" in r.output and "期限" in r.output
    r = runner.invoke(app, ["triage", "城管上个月罚了我五千，决定书是上个月底收到的，我不服。", "--today", "2026-11-28",
                            "--json"])
    d = json.loads(r.output)
    assert d["channel"] == "行政复议" and d["today"] == "2026-11-28" and d["deadlines"][0]["basis"] == "行政复议法第二十条"


def test_bad_single_input_exits_with_the_reason(env):
    r = runner.invoke(app, ["triage", "hello there", "--today", "2026-11-28"])
    assert r.exit_code == 2 and "not_chinese" in r.output
    r = runner.invoke(app, ["triage"])
    assert r.exit_code == 2


def test_batch_one_line_out_per_line_in_errors_inline(env):
    src = env / "in.jsonl"
    lines = [
        {"id": "a", "text": "公司把我辞退了，没给经济补偿，去年12月的事。"},
        "this is not json",
        {"id": "b", "text": ""},
        {"id": "c"},
        {"id": "d", "text": "My landlord will not return my deposit."},
        {"id": "e", "text": "合同约定温州仲裁委员会仲裁，对方欠货款不付。"},
    ]
    src.write_text("\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines) + "\n",
                   encoding="utf-8")
    r = runner.invoke(app, ["triage", "--batch", str(src), "--today", "2026-11-28"])
    assert r.exit_code == 0, r.output
    out = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    assert len(out) == 6
    ok = [o for o in out if "error" not in o]
    assert [o["id"] for o in ok] == ["a", "e"]
    for o in ok:
        assert {"id", "channel", "ranked", "basis", "deadlines", "missing"} <= set(o)
        assert {"channel", "eligibility", "confidence"} == set(o["ranked"][0])
        assert all(set(b) == {"law", "article"} for b in o["basis"])
    assert ok[0]["channel"] == "劳动人事争议仲裁" and ok[1]["channel"] == "商事仲裁"
    errs = {o["line"]: o for o in out if "error" in o}
    assert errs[2]["code"] == "bad_json" and errs[3]["code"] == "empty" and errs[4]["code"] == "bad_record"
    assert errs[5]["code"] == "not_chinese" and errs[5]["id"] == "d"


def test_save_registers_the_case_masked(env):
    text = "我叫王某，电话13812345678，身份证330302199001011234，公司欠我三个月工资。"
    r = runner.invoke(app, ["triage", text, "--today", "2026-11-28", "--save", "--actor", "clerk01"])
    assert r.exit_code == 0, r.output
    assert "已登记" in r.output
    listed = runner.invoke(app, ["intake-list", "--json"])
    row = json.loads(listed.output.splitlines()[0])
    assert "13812345678" not in listed.output and "138****5678" in row["text"]
    assert "3303**********1234" in row["text"] and row["status"] == "分流"
    out = env / "cases.xlsx"
    assert runner.invoke(app, ["intake-export", str(out)]).exit_code == 0 and out.exists()
    bad = runner.invoke(app, ["intake-status", row["case_no"], "办结", "--actor", "clerk01"])
    assert bad.exit_code == 2 and "允许的下一步" in bad.output
