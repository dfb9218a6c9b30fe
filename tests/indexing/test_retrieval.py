"""Indexes and the Retriever: persistence and rebuild-on-change, fusion, filters, direct citation hits,
and retrieval on the real store (lexical) and on a small real store (hybrid with e5)."""
import json

import numpy as np
import pytest

from indexing.bm25 import BM25Index
from indexing.corpus import build_corpus
from indexing.fusion import FEATURES, Candidate, LawPrior, LearnedFusion, TreeEnsemble, rrf
from indexing.retriever import Filters, Retriever
from knowledge.builder import build

def test_explicit_citation_is_the_first_hit(lexical):
    hits = lexical.search("行政复议法第二十条是怎么规定的", k=5)
    assert hits[0].law == "中华人民共和国行政复议法" and hits[0].article == "第二十条"
    assert hits[0].via == ["citation"] and hits[0].status == "现行有效"


def test_lexical_search_finds_the_statute_for_everyday_words(lexical):
    hits = lexical.search("知道行政行为之日起多久内要提出行政复议申请", k=5)
    assert any(h.law == "中华人民共和国行政复议法" and h.article == "第二十条" for h in hits)
    traffic = lexical.search("交通事故损害赔偿可以请交警调解吗", k=5)
    assert any(h.short_title == "道路交通安全法" and h.article == "第七十四条" for h in traffic)
    wages = lexical.search("农民工被拖欠工资可以去哪里投诉", k=10)
    assert any("工资" in h.text for h in wages[:3])


def test_named_law_outranks_others(lexical):
    hits = lexical.search("劳动合同法关于试用期的规定", k=5)
    assert hits[0].short_title == "劳动合同法"


def test_level_and_region_filters(lexical):
    hits = lexical.search("劳动争议仲裁", k=10, filters=Filters(levels={"地方性法规"}))
    assert hits and all(h.level == "地方性法规" for h in hits)
    hits = lexical.search("物业管理", k=10, filters=Filters(regions={"浙江省温州市"}))
    assert hits and all(h.region == "浙江省温州市" for h in hits)


def test_only_current_versions_by_default_and_as_of_maps_versions(lexical):
    hits = lexical.search("仲裁法 不能仲裁的纠纷 婚姻 收养 监护", k=20)
    arb = [h for h in hits if h.law == "中华人民共和国仲裁法"]
    assert arb and all(h.status == "现行有效" for h in hits)
    old = lexical.search("仲裁法 不能仲裁的纠纷 婚姻 收养 监护", k=20, filters=Filters(as_of="2025-06-01"))
    old_arb = [h for h in old if h.law == "中华人民共和国仲裁法"]
    assert old_arb and all(lexical.store.law(h.law_id).version_date == "2017-09-01" for h in old_arb)


def test_duplicates_collapse_to_one_hit_per_article(lexical):
    hits = lexical.search("行政复议法第二十条 行政复议申请期限", k=10)
    keys = [(h.law, h.article) for h in hits]
    assert len(keys) == len(set(keys))


def test_empty_query_is_an_error(lexical):
    with pytest.raises(ValueError):
        lexical.search("   ")


def test_bm25_persists_and_rebuilds_when_the_corpus_changes(store, tmp_path):
    corpus = build_corpus(store)
    corpus.docs, corpus.texts = corpus.docs[:300], corpus.texts[:300]
    idx = BM25Index.build(corpus, tmp_path / "bm25")
    again = BM25Index.load(tmp_path / "bm25")
    q = corpus.texts[5][:20]
    assert idx.search(q, 5) == again.search(q, 5)
    assert BM25Index.is_current(tmp_path / "bm25", corpus.hash)
    assert not BM25Index.is_current(tmp_path / "bm25", "another-hash")
    (tmp_path / "bm25" / "manifest.json").write_text("{broken")
    assert not BM25Index.is_current(tmp_path / "bm25", corpus.hash)


def test_rrf_prefers_documents_both_lists_agree_on():
    cands = {1: Candidate(1, bm25_rank=0), 2: Candidate(2, bm25_rank=1, dense_rank=1), 3: Candidate(3, dense_rank=0)}
    rrf(cands)
    assert max(cands.values(), key=lambda c: c.score).doc == 2


def test_the_served_trees_score_as_lightgbm_does():
    lgb = pytest.importorskip("lightgbm")
    rng = np.random.default_rng(1)
    X = rng.normal(size=(600, 6))
    X[:, 5] = rng.integers(0, 3, size=600)  # ties on thresholds: ≤ must send them left, as LightGBM does
    y = (X[:, 0] + X[:, 5] * 0.7 > 1).astype(int)
    booster = lgb.train({"objective": "lambdarank", "num_leaves": 7, "min_data_in_leaf": 5, "verbose": -1,
                         "num_threads": 1}, lgb.Dataset(X, y, group=[30] * 20), 40)
    fusion = LearnedFusion(TreeEnsemble.from_lightgbm(booster.dump_model()), LawPrior.uniform())
    Xn = np.vstack([rng.normal(size=(200, 6)), X[:50]])
    assert np.allclose(fusion.score(Xn), booster.predict(Xn), atol=1e-5)  # ONNX Runtime sums in float32
    assert fusion.score(np.zeros((0, 6))).shape == (0,)


def test_learned_fusion_round_trips_and_refuses_other_features(tmp_path):
    n = len(FEATURES)
    # two hand-made trees: a stump on feature 0, and a single leaf
    trees = TreeEnsemble(feature=np.array([[0], [0]]), threshold=np.array([[0.5], [0.0]]), left=np.array([[~0], [0]]),
                         right=np.array([[~1], [0]]), value=np.array([[-1.0, 2.0], [0.25, 0.0]]),
                         root=np.array([0, ~0]))
    f = LearnedFusion(trees, LawPrior({"民法典": 10}, 10), {"weak_threshold": 0.1})
    X = np.zeros((3, n))
    X[:, 0] = [0.0, 0.5, 0.9]
    assert np.allclose(f.score(X), [-0.75, -0.75, 2.25])  # ≤ goes left; the one-leaf tree adds 0.25 to all
    f.save(tmp_path / "fusion.json")
    g = LearnedFusion.load(tmp_path / "fusion.json")
    assert np.allclose(g.score(X), f.score(X)) and g.meta["weak_threshold"] == 0.1
    assert g.prior("民法典") > g.prior("别的法")
    d = (tmp_path / "fusion.json").read_text().replace('"law_prior"', '"renamed"')
    (tmp_path / "fusion.json").write_text(d)
    assert LearnedFusion.load(tmp_path / "fusion.json") is None
    # a fusion saved by an older model (the one-hidden-layer net) is not misread as trees
    (tmp_path / "old.json").write_text(json.dumps({"features": FEATURES, "layers": [], "prior": {"counts": {}, "total": 1}}))
    assert LearnedFusion.load(tmp_path / "old.json") is None


def test_the_feature_matrix_has_one_row_per_candidate_in_feature_order(lexical):
    from indexing.fusion import STRUCTURE_FEATURES
    from knowledge.numerals import parse_article_no
    cands = lexical.candidates("公司拖欠工资不给怎么办", None)
    X = lexical.feature_matrix("公司拖欠工资不给怎么办", cands)
    assert X.shape == (len(cands), len(FEATURES))
    col = {n: i for i, n in enumerate(FEATURES)}
    for row, doc in zip(X, cands):  # rows follow the candidates' order, whatever block a column comes from
        c, d = cands[doc], lexical.corpus.docs[doc]
        assert row[col["bm25_norm"]] == pytest.approx(c.bm25_score / max(x.bm25_score for x in cands.values()))
        try:
            number = parse_article_no(d.label)[0]
        except ValueError:  # a provision without an article number (an item of the opinions)
            number = 0
        assert row[col["article_no"]] == number
        assert row[col["text_len_log"]] == pytest.approx(np.log1p(len(lexical.corpus.texts[doc])))
    assert list(col)[-len(STRUCTURE_FEATURES):] == STRUCTURE_FEATURES


def test_the_re_ranker_reads_no_raw_similarity_of_the_tuned_tower():
    # it learns from fold towers and is served by the final tower: only ranks and votes mean the same in both
    assert not {"dense_cos", "dense_gap", "mem_e_max"} & set(FEATURES)
    assert {"dense_rr", "dense_in", "mem_e_vote", "mem_e_first", "e5_cos", "mem_t_max"} <= set(FEATURES)


def test_a_re_ranker_fitted_for_other_features_is_reported_not_silently_dropped(lexical, caplog, tmp_path):
    from indexing.retriever import Retriever
    folder = tmp_path / "learned"
    folder.mkdir()
    (folder / "manifest.json").write_text("{}")
    path = folder / "fusion.json"
    path.write_text(json.dumps({"format": "lambdamart-1", "features": FEATURES[:-1], "trees": {}, "prior": {}}))
    s = lexical.settings.model_copy(update={"learned": str(folder)})
    with caplog.at_level("WARNING", logger="indexing.retriever"):
        r = Retriever(lexical.store, s, dense=False)
    assert r.fusion is None
    assert "--fusion-only" in r.status()["fusion"] and "stale" in r.status()["fusion"]
    assert "another feature set or model" in caplog.text
    assert r.problems() and r.problems()[0].startswith("fusion:")
    assert r.search("行政复议法第二十条", k=1)  # still searches, by RRF
    path.unlink()
    assert Retriever(lexical.store, s, dense=False).status()["fusion"] == "rrf"


@pytest.mark.slow
def test_hybrid_retrieval_on_a_small_real_store(small):
    assert small.status()["dense"]["state"] == "ready"
    hits = small.search("看病时跟医院发生纠纷了，可以找卫生部门调解吗", k=5)
    assert any(h.short_title == "医疗纠纷预防和处理条例" for h in hits[:3])
    assert any("dense" in h.via for h in hits)
    hits = small.search("包工头跑了，工地欠的工钱谁来付", k=5)
    assert any(h.short_title == "保障农民工工资支付条例" for h in hits[:3])


@pytest.mark.slow
def test_indexes_are_reused_on_a_warm_start_and_rebuilt_after_a_store_change(small, regulations, tmp_path):
    manifest = (small.index_dir / "dense" / "manifest.json").read_text()
    warm = Retriever(small.store, small.settings, dense=True, background=False)
    assert (small.index_dir / "dense" / "manifest.json").read_text() == manifest
    assert warm.corpus.hash == small.corpus.hash
    extra = tmp_path / "extra"
    (extra / "行政法规").mkdir(parents=True)
    (extra / "行政法规" / "测试条例(2024-01-01).md").write_text(
        "# 测试条例\n\n<!-- INFO END -->\n\n第一条 为了测试索引重建，制定本条例。\n", encoding="utf-8")
    build(small.store, add=[str(extra)], progress=False, settings=small.settings, defaults=False)
    rebuilt = Retriever(small.store, small.settings, dense=True, background=False)
    assert rebuilt.corpus.hash != small.corpus.hash
    assert rebuilt.search("测试索引重建", k=3)[0].short_title == "测试条例"
    assert (small.index_dir / "dense" / "manifest.json").read_text() != manifest


@pytest.mark.slow
def test_question_memory_adds_candidates_the_indexes_missed(small):
    from indexing.memory import QuestionMemory
    target = next(i for i, d in enumerate(small.corpus.docs) if d.short_title == "信访工作条例" and d.label == "第一条")
    d = small.corpus.docs[target]
    question = "我家门口那条路晚上一直没路灯"
    mem = QuestionMemory(["m1"], [question], [[(d.work_key, d.label)]], None, small.corpus)
    saved = small.memory
    try:
        small.memory = mem
        small.clear_caches()
        cands = small.candidates(question, None)
        assert target in cands and (cands[target].via == ["memory"] or "memory" not in cands[target].via)
        X = small.feature_matrix(question, cands)
        assert X.shape == (len(cands), len(FEATURES))
        # fitting the re-ranker leaves a question out of its own memory
        assert all(c.via != ["memory"] for c in small.candidates(question, None, exclude="m1").values())
    finally:
        small.memory = saved
        small.clear_caches()
