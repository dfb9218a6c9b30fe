"""`fazhi knowledge …` as a user runs it."""
import json

from typer.testing import CliRunner

from web.cli import app

runner = CliRunner()


def test_show_prints_the_2023_text_and_status(env):
    r = runner.invoke(app, ["knowledge", "show", "行政复议法第二十条"])
    assert r.exit_code == 0, r.output
    assert "六十日" in r.output and "现行有效" in r.output and "《中华人民共和国行政复议法》第二十条" in r.output


def test_show_json_and_not_found(env):
    r = runner.invoke(app, ["knowledge", "show", "复议法二十条第一款", "--json"])
    d = json.loads(r.output)
    assert d["found"] and d["paragraph"] == 1 and d["status"] == "现行有效"
    r = runner.invoke(app, ["knowledge", "show", "不存在法第一条"])
    assert r.exit_code == 1


def test_resolve_batch_writes_one_json_line_per_citation(env, tmp_path):
    f = tmp_path / "c.txt"
    f.write_text("民法典1165条\n\n不存在法第一条\n信访条例第一条\n", encoding="utf-8")
    r = runner.invoke(app, ["knowledge", "resolve", "--batch", str(f)])
    lines = [json.loads(x) for x in r.output.strip().splitlines()]
    assert [x["found"] for x in lines] == [True, False, True]
    assert set(lines[0]) >= {"citation", "found", "law", "article", "status", "provision_id", "text"}
    assert lines[2]["status"] == "已废止"


def test_stats_json(env):
    r = runner.invoke(app, ["knowledge", "stats", "--json"])
    d = json.loads(r.output)
    assert d["laws"] > 1900 and "司法解释" in d["levels"]


def test_missing_batch_file_is_a_clear_error(env, tmp_path):
    r = runner.invoke(app, ["knowledge", "resolve", "--batch", str(tmp_path / "nope.txt")])
    assert r.exit_code == 2 and "no such file" in r.output


def test_empty_store_tells_the_user_to_build(tmp_path, monkeypatch):
    from knowledge.settings import get_settings
    monkeypatch.setenv("FAZHI_HOME", str(tmp_path / "empty"))
    get_settings.cache_clear()
    r = runner.invoke(app, ["knowledge", "show", "民法典第一条"])
    get_settings.cache_clear()
    assert r.exit_code == 2 and "fazhi knowledge build" in r.output
