"""`fazhi search` and `fazhi ask`, single and batch, as a user runs them (lexical index for speed)."""
import json

import pytest
from typer.testing import CliRunner

from web.cli import app

runner = CliRunner()


@pytest.fixture()
def env(store, settings, monkeypatch):
    from knowledge.settings import get_settings
    monkeypatch.setenv("FAZHI_HOME", str(settings.home))
    monkeypatch.setenv("FAZHI_DENSE", "false")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_search_json(env):
    r = runner.invoke(app, ["search", "行政复议法第二十条", "--k", "3", "--json"])
    assert r.exit_code == 0, r.output
    hits = json.loads(r.output)
    assert hits[0]["law"] == "中华人民共和国行政复议法" and hits[0]["article"] == "第二十条"
    assert {"law", "article", "paragraph", "status", "score", "snippet", "provision_id"} <= set(hits[0])


def test_search_batch_format(env, tmp_path):
    f = tmp_path / "q.jsonl"
    f.write_text('{"id": "a", "query": "交通事故损害赔偿调解"}\nnot json\n{"id": "b", "query": "劳动合同法试用期"}\n',
                 encoding="utf-8")
    r = runner.invoke(app, ["search", "--batch", str(f), "--k", "4"])
    lines = [json.loads(x) for x in r.stdout.strip().splitlines()]
    assert [x["id"] for x in lines] == ["a", "b"]
    assert len(lines[0]["results"]) == 4
    assert set(lines[0]["results"][0]) >= {"law", "article", "text", "score", "provision_id"}
    assert "q.jsonl:2" in r.stderr


def test_ask_batch_format(env, tmp_path):
    f = tmp_path / "q.jsonl"
    f.write_text('{"id": 1, "query": "行政复议法第二十条规定的期限是多久"}\n{"id": 2, "query": ""}\n', encoding="utf-8")
    r = runner.invoke(app, ["ask", "--batch", str(f)])
    a, b = [json.loads(x) for x in r.stdout.strip().splitlines()]
    assert a["id"] == 1 and a["grounded"] is True and "六十日" in a["answer"]
    assert set(a["citations"][0]) == {"law", "article", "paragraph", "status", "quote"}
    assert b["id"] == 2 and "error" in b


def test_search_needs_a_query(env):
    r = runner.invoke(app, ["search"])
    assert r.exit_code == 2 and "give a query" in r.output
