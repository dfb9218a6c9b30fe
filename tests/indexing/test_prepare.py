"""A first start that cannot half-fail: model preparation runs one at a time across threads and processes, writes
through a temporary folder and a rename, and a failed dense preparation is retried, then reported."""
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from indexing import retriever as retriever_module
from indexing.encoder import OnnxEncoder, ensure_base_encoder, file_fingerprint
from indexing.retriever import Retriever

ROOT = Path(__file__).resolve().parents[2]


def _files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): file_fingerprint(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def _no_leftovers(models: Path) -> None:
    names = [p.name for p in models.iterdir()]
    assert not [n for n in names if ".tmp" in n or n.startswith("tmp") or n.endswith(".partial")], names


@pytest.mark.slow
def test_two_threads_on_an_empty_models_folder_prepare_e5_once(tmp_path):
    """The dispute router and the retriever's background thread both ask for e5 at the first start."""
    models = tmp_path / "models"
    out, errors = [], []

    def prepare():
        try:
            out.append(ensure_base_encoder(models))
        except Exception as exc:  # reported below: the test fails with the reason
            errors.append(exc)

    threads = [threading.Thread(target=prepare) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert out[0] == out[1]
    manifest = json.loads((out[0] / "manifest.json").read_text())
    assert manifest["int8"] == file_fingerprint(out[0] / "model-int8.onnx")
    assert OnnxEncoder(out[0], int8=True).queries(["行政复议的期限"]).shape == (1, 384)
    _no_leftovers(models)


@pytest.mark.slow
def test_two_processes_on_an_empty_models_folder_end_ready_and_identical(tmp_path):
    models = tmp_path / "models"
    code = ("import json, sys; from pathlib import Path; from indexing.encoder import ensure_base_encoder, "
            "file_fingerprint; out = ensure_base_encoder(Path(sys.argv[1])); "
            "print(json.dumps({p.name: file_fingerprint(p) for p in sorted(out.glob('*.onnx'))}))")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(models)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=900) for p in procs]
    for p, (_, err) in zip(procs, results):
        assert p.returncode == 0, err[-2000:]
    seen = [json.loads(stdout.strip().splitlines()[-1]) for stdout, _ in results]
    assert seen[0] == seen[1] and set(seen[0]) == {"model.onnx", "model-int8.onnx"}
    assert {k: v for k, v in _files(models / "e5-small-onnx").items() if k.endswith(".onnx")} == seen[0]
    _no_leftovers(models)


@pytest.fixture()
def fresh(store, settings, monkeypatch):
    """A lexical retriever over the session store whose dense preparation we drive by hand."""
    monkeypatch.setattr(retriever_module, "PREPARE_BACKOFF_S", 0.0)
    return Retriever(store, settings, dense=False)


def test_a_failed_preparation_is_retried_before_it_is_reported(fresh, monkeypatch):
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise AssertionError("GLOBALS.in_onnx_export must be True")
        fresh.dense_state.update(state="ready", error=None)

    monkeypatch.setattr(fresh, "_prepare_dense_once", flaky)
    fresh._prepare_dense()
    assert len(calls) == 2
    assert fresh.dense_state["state"] == "ready" and fresh.problems() == []


def test_a_preparation_that_keeps_failing_is_reported_with_its_reason(fresh, monkeypatch):
    def broken():
        raise OSError("No space left on device")

    monkeypatch.setattr(fresh, "_prepare_dense_once", broken)
    fresh._prepare_dense()
    state = fresh.dense_state
    assert state["state"] == "failed" and state["attempts"] == retriever_module.PREPARE_ATTEMPTS
    assert "No space left on device" in state["error"]
    assert fresh.problems() == ["dense: failed — OSError: No space left on device"]
    assert fresh.status()["problems"] == fresh.problems()
    # `fazhi index status` runs in another process: it reads the failure the server left
    from indexing.report import index_report
    assert any("No space left on device" in p for p in index_report(fresh.settings)["problems"])
    monkeypatch.setattr(fresh, "_prepare_dense_once", lambda: None)
    fresh._prepare_dense()
    assert not any("No space" in p for p in index_report(fresh.settings)["problems"])
