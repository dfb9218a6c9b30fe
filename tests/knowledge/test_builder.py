"""Building the store: every input imported or reported, incremental rebuilds, transactions."""

import pytest

from knowledge.builder import build
from knowledge.settings import Settings
from knowledge.store import Store


def test_full_build_imports_every_regulation_file_or_reports_it(store, regulations):
    n_files = sum(1 for p in regulations.rglob("*.md") if p.name not in ("SOURCES.md", "_index.md"))
    stats = store.stats()
    imported_paths = {law.source_path for law in store.laws().values()}
    reported = {f["path"] for f in stats["failed_units"]}
    lrb = {p for p in imported_paths | reported if p.startswith(str(regulations.resolve()))}
    assert len(lrb) == n_files
    assert stats["levels"]["行政法规"]["laws"] > 600
    assert {"法律", "行政法规", "司法解释", "部门规章", "地方性法规", "规范性文件"} <= set(stats["levels"])


def test_rebuild_with_nothing_changed_imports_nothing(store, settings, regulations):
    report = build(store, progress=False, settings=settings)
    assert report.added == report.updated == report.removed == 0
    assert report.unchanged > 1900


def small_tree(tmp_path):
    root = tmp_path / "corpus"
    (root / "行政法规").mkdir(parents=True)
    (root / "行政法规" / "甲条例(2020-01-01).md").write_text(
        "# 甲条例\n\n2020年1月1日 国务院令第1号公布\n\n<!-- INFO END -->\n\n第一条 甲。\n\n第二条 乙。\n", encoding="utf-8")
    (root / "行政法规" / "坏文件(2020-01-01).md").write_bytes(b"# \xff\xfe\n")
    return root


def test_malformed_file_is_reported_and_the_rest_imports(tmp_path):
    root = small_tree(tmp_path)
    s = Settings(home=tmp_path / "home")
    store = Store(s.store_path)
    report = build(store, add=[str(root)], progress=False, settings=s)
    assert [f.path.endswith("坏文件(2020-01-01).md") for f in report.failed] == [True]
    assert any(law.title == "甲条例" for law in store.laws().values())
    assert store.stats()["failed_units"][0]["path"].endswith("坏文件(2020-01-01).md")


def test_changed_and_removed_files_are_updated_incrementally(tmp_path):
    root = small_tree(tmp_path)
    s = Settings(home=tmp_path / "home")
    store = Store(s.store_path)
    build(store, add=[str(root)], progress=False, settings=s)
    f = root / "行政法规" / "甲条例(2020-01-01).md"
    f.write_text(f.read_text(encoding="utf-8").replace("第二条 乙。", "第二条 乙（修改）。"), encoding="utf-8")
    r = build(store, progress=False, settings=s)  # the folder is remembered
    assert r.updated == 1 and r.added == 0
    law = next(x for x in store.laws().values() if x.title == "甲条例")
    assert "修改" in store.find_article(law.law_id, 2).text
    f.unlink()
    r = build(store, progress=False, settings=s)
    assert r.removed == 1
    assert not any(x.title == "甲条例" for x in store.laws().values())


def test_a_crash_mid_write_leaves_the_previous_store(tmp_path, monkeypatch):
    root = small_tree(tmp_path)
    s = Settings(home=tmp_path / "home")
    store = Store(s.store_path)
    build(store, add=[str(root)], progress=False, settings=s)
    before = store.counts()
    f = root / "行政法规" / "甲条例(2020-01-01).md"
    f.write_text(f.read_text(encoding="utf-8") + "\n第三条 丙。\n", encoding="utf-8")

    def boom(*a, **k):
        raise RuntimeError("power cut")
    monkeypatch.setattr(store, "update_statuses", boom)
    with pytest.raises(RuntimeError):
        build(store, progress=False, settings=s)
    assert store.counts() == before
    monkeypatch.undo()
    build(store, progress=False, settings=s)
    assert store.counts()["provisions"] == before["provisions"] + 1


def test_missing_added_source_is_reported_not_fatal(tmp_path):
    s = Settings(home=tmp_path / "home")
    store = Store(s.store_path)
    report = build(store, add=[str(tmp_path / "nowhere")], progress=False, settings=s)
    assert any("no such file" in f.message for f in report.failed)
    assert store.counts()["laws"] > 370
