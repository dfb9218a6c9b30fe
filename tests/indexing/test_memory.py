"""The question memory: recalling similar training questions, proposing and scoring their gold articles, leaving a
question out of its own recollection, and surviving a corpus rebuild; plus the re-ranker's consensus features and
its fitting, and where a provision sits in its law."""
from types import SimpleNamespace

import numpy as np
import pytest

from indexing.fusion import CONSENSUS_FEATURES, STRUCTURE_FEATURES, consensus, structure
from indexing.memory import FEATURES, QuestionMemory


def corpus_of(*keys):
    return SimpleNamespace(docs=[SimpleNamespace(work_key=w, label=a) for w, a in keys])


CORPUS = corpus_of(("劳动合同法", "第三十条"), ("劳动合同法", "第八十五条"), ("民法典", "第一千一百六十五条"),
                   ("道路交通安全法", "第七十六条"), ("民法典", "第五百七十七条"))
QUESTIONS = [("q1", "公司拖欠工资不给怎么办", [("劳动合同法", "第三十条"), ("劳动合同法", "第八十五条")]),
             ("q2", "老板一直拖欠工资不发", [("劳动合同法", "第三十条")]),
             ("q3", "被车撞了谁来赔", [("道路交通安全法", "第七十六条")]),
             ("q4", "邻居家的狗把我咬伤了", [("民法典", "第一千一百六十五条")])]


def memory(corpus=CORPUS, embeddings=None, **kw):
    ids, qs, golds = zip(*QUESTIONS)
    return QuestionMemory(list(ids), list(qs), [list(g) for g in golds], embeddings, corpus, model_id="m", **kw)


def test_similar_wording_recalls_the_training_question_and_its_gold_articles():
    m = memory(propose=1)
    rec = m.recall("单位拖欠工资怎么办", None)
    idx, sims = rec.neighbours["t"]
    assert m.ids[idx[0]] in ("q1", "q2") and sims[0] > sims[-1]
    assert {0} <= m.proposals(rec)  # 劳动合同法第三十条 is proposed as a candidate
    f = m.features(rec, [0, 3])
    assert f.shape == (2, len(FEATURES))
    assert f[0, FEATURES.index("mem_t_vote")] > f[1, FEATURES.index("mem_t_vote")]
    assert f[0, FEATURES.index("mem_t_first")] == 1.0


def test_a_training_question_is_left_out_of_its_own_recollection():
    m = memory()
    rec = m.recall("被车撞了谁来赔", None, exclude="q3")
    idx, _ = rec.neighbours["t"]
    assert "q3" not in [m.ids[i] for i in idx]
    # nobody else was answered with 道路交通安全法第七十六条: no vote for it
    assert m.features(rec, [3])[0, FEATURES.index("mem_t_vote")] == 0.0
    assert m.features(m.recall("被车撞了谁来赔", None), [3])[0, FEATURES.index("mem_t_vote")] > 0.5


def test_embedding_neighbours_are_used_when_the_tower_matches(tmp_path):
    emb = np.eye(4, 8, dtype=np.float32)
    m = memory(embeddings=emb)
    rec = m.recall("随便什么话", emb[3])
    assert m.ids[rec.neighbours["e"][0][0]] == "q4"
    m.save(tmp_path / "memory")
    assert QuestionMemory.load(tmp_path / "memory", CORPUS, "m").embeddings is not None
    # another query tower: its embeddings would not compare, so they are dropped (the retriever re-embeds)
    assert QuestionMemory.load(tmp_path / "memory", CORPUS, "other").embeddings is None


def test_gold_articles_are_mapped_again_after_the_corpus_changes(tmp_path):
    memory().save(tmp_path / "memory")
    moved = corpus_of(("民法典", "第五百七十七条"), ("劳动合同法", "第三十条"), ("道路交通安全法", "第七十六条"))
    m = QuestionMemory.load(tmp_path / "memory", moved, "m")
    assert m.positions[m.ids.index("q2")] == [1]
    assert m.positions[m.ids.index("q4")] == []  # gone from the corpus: proposes nothing, breaks nothing
    (tmp_path / "memory" / "memory.json").write_text("{broken")
    assert QuestionMemory.load(tmp_path / "memory", moved, "m") is None


def test_consensus_counts_support_from_the_same_law_chapter_and_neighbouring_articles():
    base = np.array([0.9, 0.5, 0.4, 0.1])
    works = ["民法典", "民法典", "劳动法", "民法典"]
    chapters = [("民法典", "侵权责任"), ("民法典", "侵权责任"), ("劳动法", ""), ("民法典", "合同")]
    numbers = [1165, 1166, 50, 577]
    f = consensus(base, works, chapters, numbers)
    assert f.shape == (4, len(CONSENSUS_FEATURES))
    col = {n: i for i, n in enumerate(CONSENSUS_FEATURES)}
    assert f[0, col["work_support"]] == pytest.approx(0.6)  # the other two 民法典 candidates
    assert f[0, col["chapter_support"]] == pytest.approx(0.5)
    assert f[2, col["work_support"]] == 0.0 and f[2, col["work_top20"]] == 1
    assert f[0, col["near_article"]] == pytest.approx(0.5) and f[3, col["near_article"]] == 0.0
    assert consensus(np.zeros(0), [], [], []).shape == (0, len(CONSENSUS_FEATURES))


def test_structure_places_each_article_in_its_own_law():
    numbers = [1, 2, 3, 1, 5, 0]
    laws = ["劳动法", "劳动法", "劳动法", "旅游法", "旅游法", "意见"]
    texts = ["为了保护劳动者的合法权益，制定本法。", "第一款。\n第二款。", "本法自1995年1月1日起施行。", "甲", "乙", "丙"]
    f = structure(numbers, laws, texts)
    col = {n: i for i, n in enumerate(STRUCTURE_FEATURES)}
    assert f.shape == (6, len(STRUCTURE_FEATURES))
    assert f[:, col["article_no"]].tolist() == numbers
    assert f[:, col["article_pos"]].tolist() == pytest.approx([1 / 3, 2 / 3, 1.0, 0.2, 1.0, 0.0])
    assert f[:, col["first_article"]].tolist() == [1, 0, 0, 1, 0, 0]
    # the last article of each law, not of the whole corpus; a provision without a number is neither
    assert f[:, col["last_article"]].tolist() == [0, 0, 1, 0, 1, 0]
    assert f[:, col["paragraphs"]].tolist() == [1, 2, 1, 1, 1, 1]
    assert f[1, col["text_len_log"]] == pytest.approx(np.log1p(len(texts[1])))
    assert structure([], [], []).shape == (0, len(STRUCTURE_FEATURES))


def test_char_tfidf_matches_scikit_learns_vectorizer():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from indexing.memory import CharTfidf
    texts = [q for _, q, _ in QUESTIONS] + ["公司\n拖欠  工资", "ABC公司不发工资"]
    ours = CharTfidf(texts)
    ref = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True).fit(texts)
    probe = ["老板拖欠工资", "abc 公司", "完全无关的句子"]
    a = (ours.matrix @ ours.transform(probe).T).toarray()
    b = (ref.transform(texts) @ ref.transform(probe).T).toarray()
    assert np.allclose(a, b)
