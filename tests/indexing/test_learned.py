"""The learned parts of search ship with the project: small, documented, free of held-out questions, and used
by a fresh home without training; `fazhi index status` says what is loaded and never builds anything."""
import json
import shutil

import pytest

from indexing.gold import split_of
from indexing.learned import ADAPTER, SHIPPED, locate
from indexing.memory import QuestionMemory
from indexing.report import index_report
from knowledge.settings import Settings

LIMIT = 10 * 1024 * 1024


def test_the_shipped_artifacts_are_small_and_say_where_they_come_from():
    files = [p for p in SHIPPED.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) <= LIMIT
    m = json.loads((SHIPPED / "manifest.json").read_text(encoding="utf-8"))
    assert len(m["training_set"]["sha256"]) == 64 and m["code_version"]
    assert m["adapter"]["rank"] >= 8 and m["adapter"]["fingerprint"]
    assert {"R@10", "MRR@10"} <= set(m["heldout"]["fazhi"])
    assert "MIT" in (SHIPPED / "LICENSE-DATA.txt").read_text(encoding="utf-8")
    assert (SHIPPED / ADAPTER / "adapter_config.json").exists()


def test_the_memory_holds_only_training_questions():
    data = json.loads((SHIPPED / "memory.json").read_text(encoding="utf-8"))
    ids = [q["id"] for q in data["questions"]]
    assert len(ids) > 900 and len(set(ids)) == len(ids)
    assert all(split_of(i) == "train" for i in ids)  # the held-out part is never shipped
    assert all(q["gold"] for q in data["questions"])
    assert "embeddings.npy" not in {p.name for p in SHIPPED.iterdir()}  # embedded on first start instead


def test_a_local_training_takes_precedence_and_a_damaged_one_does_not_hide_the_shipped(tmp_path):
    s = Settings(home=tmp_path)
    assert locate(s).origin == "shipped" and locate(s).folder == SHIPPED
    local = tmp_path / "learned"
    shutil.copytree(SHIPPED, local)
    assert locate(s).origin == "trained here" and locate(s).folder == local
    (local / "manifest.json").write_text("{damaged")
    assert locate(s).origin == "shipped"


@pytest.mark.slow
def test_a_fresh_home_uses_the_shipped_tower_memory_and_re_ranker(small):
    """`small` is a fresh home (five real regulations) that never trained: everything learned comes shipped."""
    st = small.status()
    assert st["dense"]["state"] == "ready" and st["fusion"] == "learned" and st["problems"] == []
    assert st["learned"]["origin"] == "shipped" and st["memory"] == len(QuestionMemory.load(SHIPPED, small.corpus, ""))
    tower = json.loads((small.query_encoder_dir() / "manifest.json").read_text())
    assert tower["adapter"] == st["learned"]["adapter"]
    hits = small.search("在医院看病出了医疗事故，医患双方可以怎么解决纠纷", k=5)
    assert any(h.short_title == "医疗纠纷预防和处理条例" and h.article == "第二十二条" for h in hits), \
        [(h.short_title, h.article) for h in hits]


def test_status_reports_without_building_anything(tmp_path):
    s = Settings(home=tmp_path / "home", models=tmp_path / "models")
    report = index_report(s)
    assert report["corpus"]["docs"] == 0 and report["corpus"]["state"].startswith("not built")
    assert report["dense"]["state"].startswith("not built")
    assert report["learned"]["origin"] == "shipped"
    assert report["learned"]["query_tower"].startswith("not built")
    assert not (tmp_path / "models").exists() and not (tmp_path / "home" / "index").exists()
