"""Fusing lexical and dense candidates.

Two members: reciprocal-rank fusion (no training; the default until a model is trained) and a learned
re-ranker — gradient-boosted trees (LambdaMART) over rank/score features, the base e5 tower's second opinion, a law prior
learned from the training split (which laws people's questions actually land in), the question memory, the
candidate list's own consensus and where each provision sits in its law — fitted by `fazhi index train`.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .memory import FEATURES as MEMORY_FEATURES

# The tuned query tower's raw similarities (a candidate's cosine, its gap to the best, and the memory's best
# neighbour similarity) are left out: their scale is the tower's own, and the re-ranker learns them from fold
# towers (750 questions each) but is served them by the final tower (all 1,000). Ranks and memory votes carry
# the evidence without the scale. 5-fold CV over cross-fitted rows, R@10 / MRR@10 (ranker seeds 1–3 and 4–6):
# all features 0.754 / 0.649 and 0.753 / 0.655; without the three 0.757 / 0.654 and 0.759 / 0.654.
BASE_FEATURES = ["bm25_rr", "bm25_norm", "bm25_in", "dense_rr", "dense_in", "law_prior", "law_named", "lvl_law",
                 "lvl_admin", "lvl_interp", "lvl_local", "lvl_other", "short_text", "amendment_doc", "q_in_text",
                 "q_in_title"]
# the un-tuned e5 query tower's view of the same candidates: a second opinion the fine-tuning cannot bias
BASE_TOWER_FEATURES = ["e5_cos", "e5_gap", "e5_rank"]
# how much the rest of the candidate list agrees: the same law, the same chapter, an article next door
CONSENSUS_FEATURES = ["work_support", "chapter_support", "work_top20", "near_article"]
# where the provision sits in its law and how long it is (a law's first article states its purpose and its last
# when it takes effect: both echo the whole law's topic without answering a question about it).
# 5-fold CV over cross-fitted training features, five ranker seeds: R@10 0.746 → 0.753, MRR@10 0.646 → 0.648
# (three seeds, with the fold towers before the soup: 0.720 → 0.733); better in each of 12 ranker settings tried
# (three seeds each). On the held-out split five single rankers with them scored 0.730–0.740, against 0.747 for
# the one ranker (seed 13) without them: small either way.
STRUCTURE_FEATURES = ["article_no", "article_pos", "first_article", "last_article", "text_len_log", "paragraphs"]
# Left out, within seed noise in the same CV (R@10 / MRR@10 against 0.754 / 0.649, three seeds): a law classifier's
# probability for the candidate's law (char TF-IDF + logistic regression, 0.750 / 0.649), IBM-style word
# translation scores mined from training pairs (0.750–0.754 / 0.646–0.652), and the stored passage embeddings'
# similarity of each candidate to the first-pass top 1 / top 3 / weighted top 10 (0.748–0.751 / 0.652–0.655).
FEATURES = BASE_FEATURES + BASE_TOWER_FEATURES + MEMORY_FEATURES + CONSENSUS_FEATURES + STRUCTURE_FEATURES


@dataclass
class Candidate:
    doc: int
    bm25_rank: int | None = None
    bm25_score: float = 0.0
    dense_rank: int | None = None
    dense_score: float = 0.0
    score: float = 0.0
    via: list[str] = field(default_factory=list)


def rrf(cands: dict[int, Candidate], k: int = 60, w_lex: float = 1.0, w_dense: float = 1.0) -> None:
    for c in cands.values():
        c.score = (w_lex / (k + c.bm25_rank) if c.bm25_rank is not None else 0.0) + \
                  (w_dense / (k + c.dense_rank) if c.dense_rank is not None else 0.0)


@dataclass
class LawPrior:
    """log-smoothed share of training gold articles per work (law), e.g. 民法典 ≫ a local regulation."""

    counts: dict[str, float]
    total: float

    def __call__(self, work_key: str) -> float:
        return math.log((self.counts.get(work_key, 0.0) + 0.5) / (self.total + 1.0))

    def to_json(self) -> dict:
        return {"counts": self.counts, "total": self.total}

    @classmethod
    def from_json(cls, d: dict) -> LawPrior:
        return cls(d["counts"], d["total"])

    @classmethod
    def uniform(cls) -> LawPrior:
        return cls({}, 1.0)


def features(c: Candidate, *, work_key: str, level: str, text_len: int, title: str, prior: LawPrior,
             named_works: set[str], best_bm25: float, q_in_text: float = 0.0,
             q_in_title: float = 0.0) -> list[float]:
    return [
        1.0 / (1 + c.bm25_rank) if c.bm25_rank is not None else 0.0,
        c.bm25_score / best_bm25 if best_bm25 > 0 else 0.0,
        float(c.bm25_rank is not None),
        1.0 / (1 + c.dense_rank) if c.dense_rank is not None else 0.0,
        float(c.dense_rank is not None),
        prior(work_key),
        float(work_key in named_works),
        float(level in ("法律", "宪法")),
        float(level == "行政法规"),
        float(level == "司法解释"),
        float(level == "地方性法规"),
        float(level in ("部门规章", "规范性文件")),
        float(text_len < 40),
        float("修正案" in title or "修改" in title and "决定" in title),
        q_in_text,  # share of the question's terms found in the article
        q_in_title,  # share found in the law's title and chapter headings (which law and part it is about)
    ]


def consensus(base: np.ndarray, works: list[str], chapters: list[tuple], numbers: list[int]) -> np.ndarray:
    """Per candidate, from a first-pass score `base` of every candidate: the summed score of the *other*
    candidates from its law and from its chapter, how many of the first-pass top 20 share its law, and the
    best other candidate within two article numbers of it (answers often sit in neighbouring articles)."""
    n = len(base)
    out = np.zeros((n, len(CONSENSUS_FEATURES)))
    if not n:
        return out
    base = np.asarray(base, dtype=np.float64)
    work = np.unique(np.array(works, dtype=object), return_inverse=True)[1].ravel()
    chap = np.unique(np.array([f"{w}\x00{c}" for w, c in chapters], dtype=object), return_inverse=True)[1].ravel()
    out[:, 0] = np.bincount(work, weights=base)[work] - base
    out[:, 1] = np.bincount(chap, weights=base)[chap] - base
    top20 = np.argsort(-base, kind="stable")[:20]
    out[:, 2] = np.bincount(work[top20], minlength=work.max() + 1)[work]
    num = np.asarray(numbers)
    # all pairs at once (a few hundred candidates): same law, both numbered, at most two articles apart
    near = (work[:, None] == work[None, :]) & (np.abs(num[:, None] - num[None, :]) <= 2) & (num[:, None] > 0) \
        & (num[None, :] > 0)
    np.fill_diagonal(near, False)
    out[:, 3] = np.where(near, base[None, :], 0.0).max(1)
    return out


def structure(numbers: np.ndarray, laws: list[str], texts: list[str]) -> np.ndarray:
    """STRUCTURE_FEATURES for every provision of a corpus at once: article number (0 when the provision has
    none), its position as a share of its law's last article number, whether it is the first or the last
    article, log text length and paragraph count."""
    num = np.asarray(numbers, dtype=np.float64)
    out = np.zeros((len(num), len(STRUCTURE_FEATURES)))
    if not len(num):
        return out
    law = np.unique(np.array(laws, dtype=object), return_inverse=True)[1].ravel()
    last = np.zeros(law.max() + 1)
    np.maximum.at(last, law, num)
    last = last[law]
    numbered = num > 0
    out[:, 0] = num
    out[:, 1] = np.where(numbered, num / np.maximum(last, 1.0), 0.0)
    out[:, 2] = numbered & (num == 1)
    out[:, 3] = numbered & (num == last)
    out[:, 4] = np.log1p([len(t) for t in texts])
    out[:, 5] = [t.count("\n") + 1 for t in texts]
    return out


@dataclass
class TreeEnsemble:
    """Regression trees flattened into arrays (trained by LightGBM, served by ONNX Runtime: search needs
    neither LightGBM nor the 1.5 s of scikit-learn and pandas that importing it costs).

    Per tree t and internal node j: ``feature[t, j]``, ``threshold[t, j]`` and the children ``left``/``right``,
    where a value ≥ 0 is another internal node and ``~leaf`` (negative) a leaf of ``value[t]``; ``root[t]`` is 0,
    or ``~0`` for a tree that is one leaf. A row goes left when its feature is ≤ the threshold, as in LightGBM."""

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    root: np.ndarray

    def onnx_model(self) -> bytes:
        """The ensemble as one ONNX ``TreeEnsembleRegressor`` (double thresholds and inputs, like LightGBM's own
        comparisons): ONNX Runtime walks 1,500 trees for 170 candidates in about 3 ms on two threads."""
        from onnx import TensorProto, helper
        tree_ids, node_ids, feats, modes, values, true_ids, false_ids = [], [], [], [], [], [], []
        t_tree, t_node, t_weight = [], [], []
        for t in range(len(self.root)):
            n_inner = self._inner_nodes(t)
            # node ids: internal nodes keep theirs, leaf l becomes n_inner + l
            def nid(child: int) -> int:
                return int(child) if child >= 0 else n_inner + int(~child)
            for j in range(n_inner):
                tree_ids.append(t), node_ids.append(j), feats.append(int(self.feature[t, j]))
                modes.append("BRANCH_LEQ"), values.append(float(self.threshold[t, j]))
                true_ids.append(nid(self.left[t, j])), false_ids.append(nid(self.right[t, j]))
            n_leaves = n_inner + 1
            for leaf in range(n_leaves):
                tree_ids.append(t), node_ids.append(n_inner + leaf), feats.append(0), modes.append("LEAF")
                values.append(0.0), true_ids.append(0), false_ids.append(0)
                t_tree.append(t), t_node.append(n_inner + leaf), t_weight.append(float(self.value[t, leaf]))
        node = helper.make_node(
            "TreeEnsembleRegressor", ["X"], ["Y"], domain="ai.onnx.ml", n_targets=1, aggregate_function="SUM",
            post_transform="NONE", nodes_treeids=tree_ids, nodes_nodeids=node_ids, nodes_featureids=feats,
            nodes_modes=modes, nodes_truenodeids=true_ids, nodes_falsenodeids=false_ids,
            nodes_values_as_tensor=helper.make_tensor("v", TensorProto.DOUBLE, [len(values)], values),
            target_ids=[0] * len(t_tree), target_nodeids=t_node, target_treeids=t_tree,
            target_weights_as_tensor=helper.make_tensor("w", TensorProto.DOUBLE, [len(t_weight)], t_weight))
        graph = helper.make_graph([node], "fusion", [helper.make_tensor_value_info("X", TensorProto.DOUBLE, [None, None])],
                                  [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 1])])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)])
        return model.SerializeToString()

    def _inner_nodes(self, t: int) -> int:
        """How many internal nodes tree t has (its rows are padded to the widest tree)."""
        stack, n = ([int(self.root[t])] if self.root[t] >= 0 else []), 0
        while stack:
            j = stack.pop()
            n += 1
            stack += [int(c) for c in (self.left[t, j], self.right[t, j]) if c >= 0]
        return n

    @classmethod
    def from_lightgbm(cls, dump: dict, scale: float = 1.0) -> TreeEnsemble:
        """From ``Booster.dump_model()`` (numerical splits only, which is all the features are), leaf values times
        `scale` (several boosters' trees in one dump, averaged: see `indexing.train.fit_ranker`)."""
        flat = []
        for info in dump["tree_info"]:
            nodes: list[list] = []
            values: list[float] = []

            def walk(nd: dict) -> int:
                if "leaf_value" in nd:
                    values.append(float(nd["leaf_value"]) * scale)
                    return ~(len(values) - 1)
                if nd.get("decision_type", "<=") != "<=":
                    raise ValueError(f"unsupported split {nd.get('decision_type')!r} in tree {info['tree_index']}")
                j = len(nodes)
                nodes.append([int(nd["split_feature"]), float(nd["threshold"]), 0, 0])
                nodes[j][2] = walk(nd["left_child"])
                nodes[j][3] = walk(nd["right_child"])
                return j

            root = walk(info["tree_structure"])
            flat.append((root, nodes, values))
        width = max([len(nodes) for _, nodes, _ in flat] + [1])
        leaves = max([len(v) for _, _, v in flat] + [1])
        T = len(flat)
        feature, left, right = (np.zeros((T, width), dtype=np.int64) for _ in range(3))
        threshold, value = np.zeros((T, width)), np.zeros((T, leaves))
        for i, (_, nodes, vals) in enumerate(flat):
            for j, (f, thr, lc, rc) in enumerate(nodes):
                feature[i, j], threshold[i, j], left[i, j], right[i, j] = f, thr, lc, rc
            value[i, :len(vals)] = vals
        return cls(feature, threshold, left, right, value, np.array([root for root, _, _ in flat], dtype=np.int64))

    def to_json(self) -> dict:
        return {k: getattr(self, k).tolist() for k in ("feature", "threshold", "left", "right", "value", "root")}

    @classmethod
    def from_json(cls, d: dict) -> TreeEnsemble:
        ints = {"feature", "left", "right", "root"}
        return cls(**{k: np.array(d[k], dtype=np.int64 if k in ints else np.float64)
                      for k in ("feature", "threshold", "left", "right", "value", "root")})


FORMAT = "lambdamart-1"


class LearnedFusion:
    """The learned re-ranker: gradient-boosted trees over FEATURES, trained with LightGBM's LambdaMART objective
    (the order of each question's candidates, weighted by how much a swap changes nDCG). Scores are sums of leaf
    values: comparable across questions as a scale of evidence, which the weak-evidence threshold relies on."""

    def __init__(self, trees: TreeEnsemble, prior: LawPrior, meta: dict | None = None, threads: int = 1):
        self.trees = trees
        self.prior = prior
        self.meta = meta or {}
        self.threads = threads
        self._session = None

    def score(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if not len(X):
            return np.zeros(0)
        if self._session is None:
            import onnxruntime as ort
            opts = ort.SessionOptions()
            # ONNX Runtime splits the trees across threads: 1,500 trees over 170 rows take 3.0 ms on two, 6.4 on one
            opts.intra_op_num_threads = self.threads
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._session = ort.InferenceSession(self.trees.onnx_model(), opts, providers=["CPUExecutionProvider"])
        return self._session.run(None, {"X": X})[0].ravel().astype(np.float64)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"format": FORMAT, "features": FEATURES, "trees": self.trees.to_json(),
                                   "prior": self.prior.to_json(), "meta": self.meta}, ensure_ascii=False),
                       encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path, threads: int = 1) -> LearnedFusion | None:
        if not path.exists():
            return None
        d = json.loads(path.read_text(encoding="utf-8"))
        if d.get("features") != FEATURES or d.get("format") != FORMAT:
            return None  # trained with another feature set or model: fall back to RRF until retrained
        return cls(TreeEnsemble.from_json(d["trees"]), LawPrior.from_json(d["prior"]), d.get("meta"), threads=threads)
