"""The model store: safe names, versions in order, atomic publish and activation, per-model locks."""

from __future__ import annotations

from pathlib import Path

import pytest

from chronogan.artifacts.errors import ConflictError, NotFoundError, UserInputError
from chronogan.artifacts.store import ModelStore, validate_model_name


@pytest.mark.parametrize("name", ["../x", "..", "a/b", "/abs", "x\x00y", "", ".hidden", "a" * 65, "%2e%2e"])
def test_unsafe_model_names_are_rejected(name: str) -> None:
    with pytest.raises(UserInputError, match="model name"):
        validate_model_name(name)


def test_publish_allocates_versions_in_order_and_activation_is_explicit(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    for expected in ("v1", "v2", "v3"):
        with store.staging() as staged:
            (staged / "f.txt").write_text(expected)
            assert store.publish(staged, "m") == expected
    assert store.list_versions("m") == ["v1", "v2", "v3"]
    assert store.active_version("m") is None
    store.set_active("m", "v2")
    assert store.active_version("m") == "v2" and store.resolve("m") == "v2"
    assert store.list_models() == ["m"]
    assert not (tmp_path / ".staging").exists()  # the staging folder it created is gone too


def test_failed_staging_leaves_nothing(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    with pytest.raises(RuntimeError), store.staging() as staged:
        (staged / "half.onnx").write_bytes(b"x")
        raise RuntimeError("crash while writing")
    assert store.list_models() == [] and not (tmp_path / ".staging").exists()


def test_unknown_model_and_version(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    with pytest.raises(NotFoundError):
        store.list_versions("nope")
    with store.staging() as staged:
        (staged / "f").write_text("x")
        store.publish(staged, "m")
    with pytest.raises(NotFoundError):
        store.set_active("m", "v9")
    with pytest.raises(UserInputError):
        store.version_dir("m", "../v1")


def test_model_lock_is_exclusive(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    with store.model_lock("m"):
        with pytest.raises(ConflictError), store.model_lock("m"):
            pass
        with store.model_lock("other"):
            pass
    with store.model_lock("m"):
        pass


def test_model_lock_leaves_no_file_and_excludes_a_second_holder(tmp_path: Path) -> None:
    root = tmp_path / "new-store"
    store = ModelStore(root)
    with store.model_lock("m"):
        assert (root / ".locks" / "m.lock").is_file()
        with pytest.raises(ConflictError, match="another process"), store.model_lock("m"):
            pass
    # Released: the lock file and the folders the lock created (here the store itself) are gone.
    assert not root.exists()
    root.mkdir()
    (root / "keep.txt").write_text("x")
    with pytest.raises(RuntimeError), store.model_lock("m"):
        raise RuntimeError("training failed")
    assert sorted(p.name for p in root.iterdir()) == ["keep.txt"]
