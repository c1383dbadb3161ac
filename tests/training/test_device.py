"""Training devices on a CPU-only machine: `auto` is the CPU, `cuda` is a clear user error (CLI exit 2),
bad names are refused, and the Ray retrain asks for a GPU only for `cuda`."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from chronogan.training.config import TimeGANConfig
from chronogan.training.device import resolve_device

from chronogan.artifacts.errors import UserInputError
from chronogan.cli import main

no_gpu = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")


@no_gpu
def test_auto_is_cpu_and_cuda_is_refused() -> None:
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(UserInputError, match="sees no CUDA GPU") as info:
        resolve_device("cuda")
    assert info.value.field == "device"


def test_config_field_validated() -> None:
    assert TimeGANConfig().device == "cpu"
    assert TimeGANConfig.from_dict({"device": "auto"}).to_dict()["device"] == "auto"
    with pytest.raises(ValueError, match="device"):
        TimeGANConfig(device="tpu")  # type: ignore[arg-type]


@no_gpu
def test_cli_cuda_without_gpu_exits_2(energy_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "models"
    argv = ["train", str(energy_csv), "--name", "gpu", "--store", str(store), "--sequence-key", "meter_id"]
    assert main([*argv, "--device", "cuda", "--quiet"]) == 2
    assert "device 'cuda'" in capsys.readouterr().err
    assert not (store / "gpu").exists()  # refused before anything was trained or written
    with pytest.raises(SystemExit) as bad:
        main([*argv, "--device", "tpu"])
    assert bad.value.code == 2


def test_ray_retrain_asks_for_a_gpu_only_for_cuda() -> None:
    pytest.importorskip("ray")
    from chronogan.service.jobs.cluster.retrain import resources

    assert resources({"device": "cuda"}, 2.0, cluster_gpus=1) == {"num_cpus": 2.0, "num_gpus": 1.0}
    assert resources({"config": {"device": "cuda"}}, 1.0, cluster_gpus=4)["num_gpus"] == 1.0
    assert resources({"device": "auto"}, 1.0, cluster_gpus=4)["num_gpus"] == 0.0
    assert resources({}, 1.0, cluster_gpus=0)["num_gpus"] == 0.0
    assert resources({"trials": 3}, 1.0, cluster_gpus=0)["num_cpus"] == 3.0  # one core per trial
    assert resources({"trials": 2}, 4.0, cluster_gpus=0)["num_cpus"] == 4.0
    with pytest.raises(UserInputError, match="no GPU"):
        resources({"device": "cuda"}, 1.0, cluster_gpus=0)
