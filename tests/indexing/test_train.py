"""Training (`fazhi index train`): the LambdaMART re-ranker and the folds used for cross-fitting."""
from collections import Counter

import numpy as np
import pytest

from indexing.fusion import LawPrior, LearnedFusion
from indexing.train import _fold


def test_the_ranker_learns_to_put_the_answer_first_in_each_question():
    pytest.importorskip("lightgbm")
    from indexing.train import fit_ranker
    rng = np.random.default_rng(0)
    groups = [20] * 200
    X = rng.normal(size=(sum(groups), 5))
    y = np.zeros(len(X), dtype=int)
    for q in range(len(groups)):  # in each question the answer is the row strongest on feature 0 + 0.5 × feature 1
        rows = slice(20 * q, 20 * q + 20)
        y[20 * q + int(np.argmax(X[rows, 0] + 0.5 * X[rows, 1]))] = 1
    trees = fit_ranker(X, y, groups, rounds=60, min_data_in_leaf=5)
    f = LearnedFusion(trees, LawPrior.uniform())
    Xn = rng.normal(size=(20 * 50, 5))  # new questions
    top = [int(np.argmax(f.score(Xn[20 * q:20 * q + 20]))) for q in range(50)]
    truth = [int(np.argmax(Xn[20 * q:20 * q + 20, 0] + 0.5 * Xn[20 * q:20 * q + 20, 1])) for q in range(50)]
    assert sum(a == b for a, b in zip(top, truth)) >= 35  # chance: 2 or 3 of 50; fitted: 42–44 for any seed


def test_the_served_ranker_is_the_average_of_rankers_fitted_from_consecutive_seeds():
    lgb = pytest.importorskip("lightgbm")
    from indexing.train import RANKER_PARAMS, fit_ranker
    rng = np.random.default_rng(1)
    groups = [10] * 40
    X = rng.normal(size=(400, 4))
    y = (X[:, 0] > 1.0).astype(int)
    bag = LearnedFusion(fit_ranker(X, y, groups, rounds=20, seed=7, bag=3, min_data_in_leaf=5), LawPrior.uniform())
    single = [lgb.train({**RANKER_PARAMS, "seed": s, "num_threads": 2, "min_data_in_leaf": 5},
                        lgb.Dataset(X, y, group=groups), 20) for s in (7, 8, 9)]
    Xn = rng.normal(size=(50, 4))
    assert bag.score(Xn) == pytest.approx(np.mean([b.predict(Xn) for b in single], axis=0), abs=1e-5)
    assert len(bag.trees.root) == 60
    with pytest.raises(ValueError, match="bag must be at least 1"):
        fit_ranker(X, y, groups, bag=0)


def test_every_question_falls_in_exactly_one_fold_and_the_folds_are_balanced():
    ids = [f"q{i}" for i in range(2000)]
    folds = [_fold(q, 4) for q in ids]
    sizes = Counter(folds)
    assert set(sizes) == {0, 1, 2, 3}
    assert min(sizes.values()) > 400  # 500 each on average
    assert [_fold(q, 4) for q in reversed(ids)] == folds[::-1]  # by id alone, not by order or chance


def test_a_soup_averages_the_float_weights_and_keeps_integer_buffers():
    torch = pytest.importorskip("torch")
    from indexing.train import average_states
    a = {"w": torch.tensor([1.0, 2.0]), "ids": torch.tensor([0, 1, 2])}
    b = {"w": torch.tensor([3.0, 6.0]), "ids": torch.tensor([0, 1, 2])}
    c = {"w": torch.tensor([2.0, 1.0]), "ids": torch.tensor([0, 1, 2])}
    soup = average_states([a, b, c])
    assert torch.allclose(soup["w"], torch.tensor([2.0, 3.0]))
    assert soup["ids"].dtype == torch.int64 and soup["ids"].tolist() == [0, 1, 2]
    assert a["w"].tolist() == [1.0, 2.0]  # the members are left as they were
    with pytest.raises(ValueError, match="no state dicts"):
        average_states([])


def test_the_weak_evidence_threshold_is_the_low_tail_of_top_scores_of_well_answered_questions():
    from indexing.train import weak_threshold
    rng = np.random.default_rng(3)
    questions = []
    for q in range(100):  # question q: top score q / 10; its answer at place 1, except every tenth question
        scores = np.concatenate([[q / 10], rng.uniform(-5, q / 10 - 0.01, size=9)])
        labels = np.zeros(10, dtype=int)
        labels[0 if q % 10 else int(np.argmin(scores))] = 1  # every tenth: the answer ranked last, not in the top 5
        questions.append((scores, labels))
    kept = [q / 10 for q in range(100) if q % 10]
    assert weak_threshold(questions) == pytest.approx(round(float(np.percentile(kept, 5)), 3))
    assert weak_threshold([(np.array([1.0, 0.5]), np.array([0, 0]))]) == -4.0  # nobody answered well: the default
    assert weak_threshold([]) == -4.0
