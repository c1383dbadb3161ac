"""Save nested state (state dicts, optimiser state, RNG state, history) without pickle.

`save_tree(dir, name, tree)` writes every tensor into `<name>.safetensors` and the rest of the tree
into `<name>.json`, where each tensor is replaced by a reference to its safetensors key. Loading
never executes code, so a checkpoint from an untrusted store is safe to open.

JSON cannot say everything Python state needs, so three shapes are tagged:
- tensors: `{"__tensor__": key}`;
- tuples (optimiser betas): `{"__tuple__": [...]}`;
- dicts with non-string keys (optimiser `state` is keyed by int) or with a reserved key:
  `{"__dict__": [[key, value], ...]}`.
Both files carry the same random token, so a pair torn by a crash mid-save is detected on load.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

_TENSOR = "__tensor__"
_TUPLE = "__tuple__"
_DICT = "__dict__"
_RESERVED = {_TENSOR, _TUPLE, _DICT}
_FORMAT = 1


def save_tree(directory: str | os.PathLike[str], name: str, tree: Any) -> None:
    """Write `tree` to `<directory>/<name>.safetensors` + `<name>.json` (each replaced atomically)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, torch.Tensor] = {}
    encoded = _encode(tree, "", tensors)
    token = uuid.uuid4().hex
    tensor_path, json_path = _paths(directory, name)
    tmp_tensors = tensor_path.with_suffix(".safetensors.tmp")
    tmp_json = json_path.with_suffix(".json.tmp")
    save_file(tensors, str(tmp_tensors), metadata={"token": token})
    tmp_json.write_text(json.dumps({"format": _FORMAT, "token": token, "tree": encoded}))
    # safetensors creates its file owner-only (0600); make both rw-r--r-- so a service running as
    # another user can read a published checkpoint.
    for tmp in (tmp_tensors, tmp_json):
        os.chmod(tmp, 0o644)
    os.replace(tmp_tensors, tensor_path)
    os.replace(tmp_json, json_path)


def load_tree(directory: str | os.PathLike[str], name: str) -> Any:
    """Inverse of `save_tree`: tensors come back on the CPU with their saved dtype and shape."""
    tensor_path, json_path = _paths(Path(directory), name)
    if not json_path.exists() or not tensor_path.exists():
        raise FileNotFoundError(
            f"no saved state {name!r} in {directory} (need {json_path.name} and {tensor_path.name})"
        )
    doc = json.loads(json_path.read_text())
    if doc.get("format") != _FORMAT:
        raise ValueError(f"{json_path}: unsupported state format {doc.get('format')!r}")
    with safe_open(str(tensor_path), framework="pt") as handle:
        token = (handle.metadata() or {}).get("token")
    if token != doc.get("token"):
        raise ValueError(f"{json_path.name} and {tensor_path.name} come from different saves (interrupted write?)")
    tensors = load_file(str(tensor_path))
    return _decode(doc["tree"], tensors)


def has_tree(directory: str | os.PathLike[str], name: str) -> bool:
    return all(p.exists() for p in _paths(Path(directory), name))


def _paths(directory: Path, name: str) -> tuple[Path, Path]:
    return directory / f"{name}.safetensors", directory / f"{name}.json"


def _encode(node: Any, path: str, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(node, torch.Tensor):
        key = path or "/"
        if key in tensors:  # a dict key containing "/" can spell the same path as a nested one
            key = f"{key}#{len(tensors)}"
        # safetensors refuses shared or non-contiguous storage: store an independent copy.
        tensors[key] = node.detach().cpu().contiguous().clone()
        return {_TENSOR: key}
    if isinstance(node, dict):
        items = [(k, _encode(v, f"{path}/{k}", tensors)) for k, v in node.items()]
        if all(isinstance(k, str) for k in node) and not _RESERVED.intersection(node):
            return dict(items)
        for k, _ in items:
            if not isinstance(k, str | int | float | bool) and k is not None:
                raise TypeError(f"cannot save dict key {k!r} at {path or '/'}")
        return {_DICT: [[k, v] for k, v in items]}
    if isinstance(node, tuple):
        return {_TUPLE: [_encode(v, f"{path}/{i}", tensors) for i, v in enumerate(node)]}
    if isinstance(node, list):
        return [_encode(v, f"{path}/{i}", tensors) for i, v in enumerate(node)]
    if node is None or isinstance(node, str | bool | int | float):
        return node
    raise TypeError(f"cannot save {type(node).__name__} at {path or '/'}: only tensors and JSON values")


def _decode(node: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(node, list):
        return [_decode(v, tensors) for v in node]
    if isinstance(node, dict):
        if _TENSOR in node:
            return tensors[node[_TENSOR]]
        if _TUPLE in node:
            return tuple(_decode(v, tensors) for v in node[_TUPLE])
        if _DICT in node:
            return {k: _decode(v, tensors) for k, v in node[_DICT]}
        return {k: _decode(v, tensors) for k, v in node.items()}
    return node
