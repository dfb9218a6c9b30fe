"""The `Retriever`: lexical + dense candidates, fused (learned or RRF), with direct hits for explicit
citations and law names, filters, version mapping and duplicate collapsing.

Lexical search serves at once; on a first start the dense index builds in a background thread (with
progress) and hybrid search switches on when it is ready.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import numpy as np

from knowledge.citations import CitationResolver
from knowledge.settings import Settings, get_settings
from knowledge.store import Store, units_t
from knowledge.titles import normalize

from .bm25 import BM25Index
from .corpus import IndexCorpus, build_corpus
from .dense import DenseIndex
from .adapter import ensure_adapted_tower
from .encoder import OnnxEncoder, ensure_base_encoder, model_id_of, prepare_lock
from .fusion import BASE_TOWER_FEATURES, Candidate, LawPrior, LearnedFusion, consensus, features, rrf, structure
from .gold import article_number
from .memory import FEATURES as MEMORY_FEATURES
from .learned import load_memory
from .learned import locate as locate_learned
from .memory import QuestionMemory

log = logging.getLogger(__name__)
CANDIDATES = 100
PREPARE_ATTEMPTS, PREPARE_BACKOFF_S = 3, 2.0
FAILURE_FILE = "dense.failed.json"
_NAME_END = ("法", "法典", "条例", "规定", "解释", "办法", "意见", "规则")


@dataclass
class Filters:
    levels: set[str] | None = None
    regions: set[str] | None = None  # a region matches itself and its sub-regions (浙江省 ⊃ 浙江省温州市)
    statuses: set[str] | None = field(default_factory=lambda: {"现行有效"})
    as_of: str | None = None


@dataclass
class Hit:
    provision_id: str
    law_id: str
    law: str
    short_title: str
    article: str
    paragraph: int | None
    status: str
    level: str
    region: str
    score: float
    snippet: str
    text: str
    via: list[str]

    def to_dict(self) -> dict:
        return asdict(self)


def store_fingerprint(store: Store) -> str:
    """Cheap identity of the store's contents (unit hashes + as-of), for warm starts without a rescan."""
    from sqlalchemy import select
    h = hashlib.sha256()
    with store.engine.connect() as c:
        for key, hash_ in c.execute(select(units_t.c.key, units_t.c.hash).order_by(units_t.c.key)):
            h.update(f"{key}={hash_};".encode())
    meta = store.meta()
    h.update(f"{meta.get('as_of')}|{meta.get('parser_version')}".encode())
    return h.hexdigest()[:20]


class Retriever:
    def __init__(self, store: Store, settings: Settings | None = None, dense: bool | None = None,
                 background: bool = True, progress: bool = False):
        self.store = store
        self.settings = settings or get_settings()
        self.progress = progress
        self.index_dir = self.settings.index_dir
        self.resolver = CitationResolver(store)
        self.corpus = self._load_corpus()
        self.bm25 = self._load_bm25()
        self.dense: DenseIndex | None = None
        self.dense_state = {"state": "off", "done": 0, "total": len(self.corpus.docs), "error": None}
        self.learned = locate_learned(self.settings)
        fusion_path = self.learned.fusion_path if self.learned else None
        self.fusion = LearnedFusion.load(fusion_path, threads=self.settings.threads) if fusion_path else None
        # a re-ranker fitted for another feature set (or model) is not used: say so, or an upgrade silently ranks by RRF
        self._stale_fusion = self.fusion is None and fusion_path is not None and fusion_path.exists()
        if self._stale_fusion:
            log.warning("%s was fitted for another feature set or model; ranking by RRF until `fazhi index train "
                        "--set FILE --fusion-only` refits it", fusion_path)
        self.prior = self.fusion.prior if self.fusion else LawPrior.uniform()
        self.memory: QuestionMemory | None = None  # loaded with the query tower (its embeddings belong to it)
        self.base_query: OnnxEncoder | None = None  # the un-tuned e5 query tower, for the re-ranker's second opinion
        # provisions are immutable for a given corpus: keep recently shown ones in memory
        from functools import lru_cache
        self._provision = lru_cache(maxsize=4096)(self.store.provision)
        self._tokens = lru_cache(maxsize=1024)(lambda q: frozenset(self.bm25.tokenizer.tokenize(q)))
        # one question is searched, ranked and featurised in several steps: encode and recall it once
        self._qvec = lru_cache(maxsize=256)(lambda q: self.dense.encode_query(q))
        from concurrent.futures import ThreadPoolExecutor
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="base-tower")
        # the base tower's vector is encoded on the side while the question is searched (it is only needed for
        # the re-ranker's features): the cache holds the pending result, so nothing encodes it twice
        self._base_future = lru_cache(maxsize=256)(lambda q: self._pool.submit(self.base_query.queries, [q]))
        self._recall = lru_cache(maxsize=256)(self._recall_uncached)
        self._levels = np.array([d.level for d in self.corpus.docs])
        self._regions = np.array([d.region for d in self.corpus.docs])
        self._names = sorted({k for k in self.resolver._keys if len(k) >= 3 and k.endswith(_NAME_END)},
                             key=len, reverse=True)
        want_dense = self.settings.dense if dense is None else dense
        if want_dense:
            if background:
                threading.Thread(target=self._prepare_dense, name="dense-index", daemon=True).start()
            else:
                self._prepare_dense()

    # ---- building / loading ---------------------------------------------------------------------------
    def _load_corpus(self) -> IndexCorpus:
        path = self.index_dir / "corpus.json"
        fp = store_fingerprint(self.store)
        marker = self.index_dir / "corpus.fingerprint"
        if path.exists() and marker.exists() and marker.read_text().strip() == fp:
            return IndexCorpus.load(path)
        corpus = build_corpus(self.store)
        corpus.save(path)
        marker.write_text(fp)
        return corpus

    def _load_bm25(self) -> BM25Index:
        folder = self.index_dir / "bm25"
        if BM25Index.is_current(folder, self.corpus.hash):
            return BM25Index.load(folder)
        return BM25Index.build(self.corpus, folder, progress=self.progress)

    def query_encoder_dir(self) -> Path:
        """The learned tower (the base e5 with the adapter merged, built on first use), else the base e5."""
        if self.learned is not None and self.learned.adapter is not None:
            return ensure_adapted_tower(self.settings.models_dir, self.learned.adapter)
        return ensure_base_encoder(self.settings.models_dir)

    def _prepare_dense(self) -> None:
        """Dense index, query towers and memory; a failed attempt is retried (a model preparation that another
        process left half-done, a full disk freed meanwhile …) before the state says why dense is off."""
        failure = self.index_dir / FAILURE_FILE  # what `fazhi index status`, another process, reads
        for attempt in range(1, PREPARE_ATTEMPTS + 1):
            try:
                self._prepare_dense_once()
                failure.unlink(missing_ok=True)
                return
            except Exception as exc:  # lexical keeps serving; the state says why dense is off
                log.warning("dense preparation failed (attempt %d/%d): %s", attempt, PREPARE_ATTEMPTS, exc,
                            exc_info=attempt == PREPARE_ATTEMPTS)
                last = attempt == PREPARE_ATTEMPTS
                self.dense_state.update(state="failed" if last else "retrying", attempts=attempt,
                                        error=f"{exc.__class__.__name__}: {exc}")
                if not last:
                    time.sleep(PREPARE_BACKOFF_S * attempt)
        failure.parent.mkdir(parents=True, exist_ok=True)
        failure.write_text(json.dumps({"error": self.dense_state["error"], "attempts": PREPARE_ATTEMPTS,
                                       "at": time.strftime("%Y-%m-%dT%H:%M:%S")}, ensure_ascii=False),
                           encoding="utf-8")

    def _prepare_dense_once(self) -> None:
        self.dense_state.update(state="loading", error=None)
        base = ensure_base_encoder(self.settings.models_dir)
        folder = self.index_dir / "dense"
        # a warm start only reads manifests; the passage encoder is loaded only to (re)build
        model_id = model_id_of(base, int8=True)
        if not DenseIndex.is_current(folder, self.corpus.hash, model_id):
            self.dense_state["state"] = "building"
            with prepare_lock(self.index_dir):  # a second process on this home waits, then finds it built
                if not DenseIndex.is_current(folder, self.corpus.hash, model_id):
                    passage_enc = OnnxEncoder(base, int8=True)
                    passage_enc.on_batch = lambda done, total: self.dense_state.update(done=done, total=total)
                    DenseIndex.build(self.corpus, folder, passage_enc, progress=self.progress)
                    del passage_enc
        self.dense_state["state"] = "loading"
        dense = DenseIndex.load(folder, self._query_tower())
        # the base tower's second opinion, int8 like the passages it is compared with (4 ms, cosine 0.99
        # with fp32); it never changes with training, so a reload of the tuned tower leaves it alone
        self.base_query = OnnxEncoder(base, int8=True)
        self.memory = self._load_memory(dense.query_encoder)
        self.dense = dense
        self.dense_state.update(state="ready", done=len(self.corpus.docs), error=None)

    def reload_query_encoder(self, memory: bool = True) -> None:
        """Switch to the query tower (and, with ``memory``, the question memory) now in the cache, without
        rebuilding anything. Training passes ``memory=False``: it builds a new memory for the new tower, and
        loading the old one would only re-embed its questions for nothing."""
        if self.dense is not None:
            self.dense.query_encoder = self._query_tower()
            self.memory = self._load_memory(self.dense.query_encoder) if memory else None
        self.clear_caches()

    def clear_caches(self) -> None:
        self._qvec.cache_clear()
        self._base_future.cache_clear()
        self._recall.cache_clear()

    def _query_tower(self) -> OnnxEncoder:
        # int8 where exported: 4–5 ms a question instead of 7–9, for development dense R@10 0.665 vs 0.676 fp32
        folder = self.query_encoder_dir()
        return OnnxEncoder(folder, int8=(folder / "model-int8.onnx").exists())

    def _base_qvec(self, query: str) -> np.ndarray:
        return self._base_future(query).result()[0]

    def _load_memory(self, encoder: OnnxEncoder) -> QuestionMemory | None:
        if self.learned is None:
            return None
        return load_memory(self.learned, self.corpus, encoder, self.index_dir / "memory")

    def _recall_uncached(self, query: str, exclude: str | None):
        return self.memory.recall(query, self._qvec(query), exclude)

    def wait_dense(self, timeout: float | None = None) -> bool:
        t0 = time.time()
        while self.dense_state["state"] in ("loading", "building", "retrying"):
            if timeout is not None and time.time() - t0 > timeout:
                return False
            time.sleep(0.2)
        return self.dense is not None

    def status(self) -> dict:
        return {"docs": len(self.corpus.docs), "corpus_as_of": self.corpus.as_of, "lexical": "ready",
                "dense": dict(self.dense_state), "fusion": "learned" if self.fusion else
                (f"rrf ({self.learned.fusion_path} is stale: run `fazhi index train --set FILE --fusion-only`)"
                 if self._stale_fusion else "rrf"),
                "memory": len(self.memory) if self.memory is not None else 0,
                "learned": self.learned.summary() if self.learned else None,
                "problems": self.problems()}

    def problems(self) -> list[str]:
        """Components that failed or serve less than they should (empty when all is well)."""
        out = []
        if self.dense_state["state"] == "failed":
            out.append(f"dense: failed — {self.dense_state['error']}")
        if self._stale_fusion:
            out.append("fusion: the re-ranker was fitted for another feature set; ranking by RRF")
        return out

    # ---- searching --------------------------------------------------------------------------------------
    def _mask(self, f: Filters) -> np.ndarray | None:
        mask = None
        if f.levels:
            mask = np.isin(self._levels, list(f.levels))
        if f.regions:
            rm = np.zeros(len(self._regions), dtype=bool)
            for r in f.regions:
                rm |= np.char.startswith(self._regions.astype(str), r)
            mask = rm if mask is None else mask & rm
        return mask

    def named_works(self, query: str) -> set[str]:
        q = normalize(query)
        works: set[str] = set()
        for name in self._names:
            if name in q:
                works |= self.resolver._keys[name]
                q = q.replace(name, "")
        return works

    def candidates(self, query: str, mask: np.ndarray | None, n: int = CANDIDATES,
                   exclude: str | None = None) -> dict[int, Candidate]:
        """Lexical and dense top `n`, plus what the question memory proposes (`exclude`: a training
        question's own id, left out of its memory while the re-ranker is fitted)."""
        cands: dict[int, Candidate] = {}
        if self.dense is not None and self.base_query is not None:
            self._base_future(query)  # starts the base tower now; lexical, tuned-tower and memory work overlap it
        lex = self.bm25.scores(query)  # kept whole: memory proposals outside the top n get their exact rank
        for rank, (i, s) in enumerate(self.bm25.top(lex, n, mask)):
            cands[i] = Candidate(i, bm25_rank=rank, bm25_score=s, via=["lexical"])
        if self.dense is not None:
            qvec = self._qvec(query)
            for rank, (i, s) in enumerate(self.dense.search_vector(qvec, n, mask)):
                c = cands.setdefault(i, Candidate(i))
                c.dense_rank, c.dense_score = rank, s
                c.via.append("dense")
            if self.memory is not None:
                for i in sorted(self.memory.proposals(self._recall(query, exclude)) - cands.keys()):
                    if mask is not None and not mask[i]:
                        continue
                    # outside both top-n lists: the exact lexical rank is cheap, the dense one is left unknown
                    rank = int((lex > lex[i]).sum()) if lex[i] > 0 else None
                    cands[i] = Candidate(i, bm25_rank=rank, bm25_score=float(lex[i]),
                                         dense_score=float(self.dense.embeddings[i] @ qvec), via=["memory"])
        return cands

    def feature_matrix(self, query: str, cands: dict[int, Candidate], prior: LawPrior | None = None,
                       exclude: str | None = None) -> np.ndarray:
        prior = prior or self.prior
        named = self.named_works(query)
        best_b = max((c.bm25_score for c in cands.values()), default=0.0)
        toks = self._tokens(query)
        rows = []
        for c in cands.values():
            d = self.corpus.docs[c.doc]
            text = self.corpus.texts[c.doc]
            head = d.short_title + "".join(d.path)
            q_text = sum(1 for t in toks if t in text) / len(toks) if toks else 0.0
            q_title = sum(1 for t in toks if t in head) / len(toks) if toks else 0.0
            rows.append(features(c, work_key=d.work_key, level=d.level, text_len=len(text),
                                 title=d.title, prior=prior, named_works=named, best_bm25=best_b,
                                 q_in_text=q_text, q_in_title=q_title))
        X = np.array(rows, dtype=np.float64)
        docs = list(cands)
        tower = np.zeros((len(docs), len(BASE_TOWER_FEATURES)))
        if self.dense is not None and self.base_query is not None and docs:
            s = np.asarray(self.dense.embeddings[docs], dtype=np.float32) @ self._base_qvec(query)
            rank = np.argsort(np.argsort(-s, kind="stable"), kind="stable")
            tower = np.stack([s, s.max() - s, 1.0 / (1 + rank)], 1)
        if self.memory is not None and self.dense is not None:
            mem = self.memory.features(self._recall(query, exclude), docs)
        else:
            mem = np.zeros((len(docs), len(MEMORY_FEATURES)))
        first_pass = X[:, 0] + X[:, 3]  # 1/(1+rank), lexical + dense
        ds = [self.corpus.docs[i] for i in docs]
        place = self._structure[docs]  # its first column is the article number, which consensus needs too
        cons = consensus(first_pass, [d.work_key for d in ds], [(d.work_key, d.path[0] if d.path else "") for d in ds],
                         place[:, 0].astype(int))
        return np.hstack([X, tower, mem, cons, place])

    @cached_property
    def _structure(self) -> np.ndarray:
        """Structure features of every indexed provision (≈0.2 s for 76k provisions, once, on the first query)."""
        # 0 for a provision without an article number (an item of the opinions)
        return structure(np.array([(article_number(d.label) or (0, 0))[0] for d in self.corpus.docs]),
                         [d.law_id for d in self.corpus.docs], self.corpus.texts)

    def rank(self, query: str, mask: np.ndarray | None = None, exclude: str | None = None) -> list[Candidate]:
        cands = self.candidates(query, mask, exclude=exclude)
        if not cands:
            return []
        if self.fusion is not None and self.dense is not None:
            scores = self.fusion.score(self.feature_matrix(query, cands, exclude=exclude))
            for c, s in zip(cands.values(), scores):
                c.score = float(s)
        else:
            rrf(cands)
            named = self.named_works(query)
            for c in cands.values():  # a law named in the question outranks others at equal evidence
                if self.corpus.docs[c.doc].work_key in named:
                    c.score *= 1.5
        return sorted(cands.values(), key=lambda c: -c.score)

    def search(self, query: str, k: int = 10, filters: Filters | None = None) -> list[Hit]:
        query = (query or "").strip()
        if not query:
            raise ValueError("empty query")
        f = filters or Filters()
        as_of = f.as_of or self.corpus.as_of
        hits: list[Hit] = []
        seen: set[tuple[str, str]] = set()
        # an explicit citation in the question is answered by that provision first
        for _, res in self.resolver.find_in_text(query) or []:
            if res.found and res.provision:
                h = self._hit_from_resolution(res, query, as_of)
                if h and self._keep(h, f) and (res.law.work_key, h.article) not in seen:
                    seen.add((res.law.work_key, h.article))
                    hits.append(h)
        mask = self._mask(f)
        for c in self.rank(query, mask):
            if len(hits) >= k:
                break
            d = self.corpus.docs[c.doc]
            if (d.work_key, d.label) in seen:
                continue  # versions and repeats collapse to one hit
            seen.add((d.work_key, d.label))
            h = self._hit(c, query, as_of)
            if h and self._keep(h, f):
                hits.append(h)
        return hits

    def _keep(self, h: Hit, f: Filters) -> bool:
        return not f.statuses or h.status in f.statuses

    def _best_paragraph(self, paragraphs, query: str) -> tuple[int | None, str]:
        if not paragraphs:
            return None, ""
        toks = self._tokens(query)
        best = max(paragraphs, key=lambda p: sum(1 for t in toks if t in p.full_text))
        return (best.n if len(paragraphs) > 1 else None), best.full_text

    def _hit(self, c: Candidate, query: str, as_of: str) -> Hit | None:
        d = self.corpus.docs[c.doc]
        law_id, pid, status = d.law_id, d.provision_id, d.status
        if as_of != self.corpus.as_of:
            # the question is about another date: show the version in force then, if the article exists there
            law = self.store.version_on(d.work_key, as_of)
            if law and law.law_id != d.law_id:
                p = self.store.find_article(law.law_id, *self._num(d))
                if p is None:
                    return None
                law_id, pid = law.law_id, p.provision_id
            status = self.store.status_on(self.store.law(law_id), as_of)
        prov = self._provision(pid)
        law = self.store.law(law_id)
        para, snippet = self._best_paragraph(prov.paragraphs, query)
        return Hit(provision_id=pid, law_id=law_id, law=law.title, short_title=law.short_title, article=prov.label,
                   paragraph=para, status=status, level=law.level, region=law.region or "全国",
                   score=round(c.score, 4), snippet=_snip(snippet), text=prov.text, via=c.via)

    @staticmethod
    def _num(d) -> tuple[int, int]:
        from knowledge.numerals import parse_article_no
        try:
            return parse_article_no(d.label)
        except ValueError:
            m = re.match(r"第(.+)项", d.label)
            from knowledge.numerals import to_int
            return (to_int(m.group(1)), 0) if m else (0, 0)

    def _hit_from_resolution(self, res, query: str, as_of: str) -> Hit | None:
        law = res.law
        status = self.store.status_on(law, as_of)
        para = res.paragraph
        snippet = res.quote
        if para is None:
            para, snippet = self._best_paragraph(res.provision.paragraphs, query)
        return Hit(provision_id=res.provision.provision_id, law_id=law.law_id, law=law.title,
                   short_title=law.short_title, article=res.provision.label, paragraph=para, status=status,
                   level=law.level, region=law.region or "全国", score=100.0, snippet=_snip(snippet),
                   text=res.provision.text, via=["citation"])


def _snip(text: str, n: int = 120) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= n else text[: n - 1] + "…"


def open_retriever(settings: Settings | None = None, **kw) -> Retriever:
    from knowledge.builder import open_store
    s = settings or get_settings()
    store = open_store(s)
    if store.counts()["laws"] == 0:
        raise RuntimeError("the knowledge store is empty — run `fazhi knowledge build` first")
    return Retriever(store, s, **kw)


def today() -> str:
    return date.today().isoformat()
