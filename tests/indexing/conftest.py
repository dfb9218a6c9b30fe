"""Indexing fixtures: a small real store with both indexes (e5 included), shared by the retrieval and the
learned-artifacts tests."""
import shutil

import pytest

from indexing.retriever import Retriever
from knowledge.builder import build
from knowledge.settings import Settings
from knowledge.store import Store

SMALL = ["行政法规/中华人民共和国行政复议法实施条例(2007-05-29).md", "行政法规/信访工作条例(2022-02-25).md",
         "行政法规/医疗纠纷预防和处理条例(2018-07-31).md", "行政法规/保障农民工工资支付条例(2019-12-30).md",
         "地方性法规/浙江/浙江省劳动人事争议调解仲裁条例(2020-09-24).md"]


def small_tree(regulations, dest):
    for rel in SMALL:
        matches = list(regulations.glob(rel.replace("中华人民共和国行政复议法实施条例", "*行政复议法实施条例")))
        assert matches, rel
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(matches[0], target)
    return dest


@pytest.fixture(scope="session")
def small(regulations, tmp_path_factory):
    """A small real store (5 regulations, ~300 provisions) with both indexes, e5 included."""
    home = tmp_path_factory.mktemp("small-home")
    s = Settings(home=home, models=tmp_path_factory.getbasetemp() / "models", as_of="2026-11-28")
    store = Store(s.store_path)
    build(store, add=[str(small_tree(regulations, tmp_path_factory.mktemp("small-corpus")))], progress=False,
          settings=s, defaults=False)
    r = Retriever(store, s, dense=True, background=False)
    assert r.dense is not None, r.dense_state
    return r
