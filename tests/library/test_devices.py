"""The device and the precision the course trains in (course_lib.backend), with
TensorFlow's device list faked: nothing here needs a GPU."""

from __future__ import annotations

import types

import numpy as np
import pytest
import tensorflow as tf

from course_lib import backend, machine
from course_lib.backend import keras
from course_lib.recap import models


@pytest.fixture
def fake_gpus(monkeypatch: pytest.MonkeyPatch):
    """Make TensorFlow report the GPUs a test names, ``(name, compute capability)`` each,
    and record which ones the course lets grow their memory."""
    grown: list[str] = []

    def install(*cards: tuple[str, tuple[int, int] | None]) -> list[str]:
        devices = [
            types.SimpleNamespace(name=f"/physical_device:GPU:{i}", device_type="GPU") for i in range(len(cards))
        ]
        details = {d.name: {"device_name": name, "compute_capability": cc} for d, (name, cc) in zip(devices, cards)}
        monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: devices if kind == "GPU" else [])
        monkeypatch.setattr(tf.config.experimental, "get_device_details", lambda device: details[device.name])
        monkeypatch.setattr(
            tf.config.experimental, "set_memory_growth", lambda device, on: on and grown.append(device.name)
        )
        return grown

    monkeypatch.delenv("COURSE_MIXED_PRECISION", raising=False)
    return install


def test_a_gpu_with_tensor_cores_trains_in_mixed_float16_with_loss_scaling(fake_gpus) -> None:
    fake_gpus(("NVIDIA T4", (7, 5)))
    assert backend.precision() == "mixed_float16"
    model = models.lecture_convnet(64, mixed_precision=None)
    assert model.get_layer("conv1").compute_dtype == "float16" and model.get_layer("prediction").dtype == "float32"
    models.compile_binary(model)
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    models.compile_cosine(model, 2, 3)
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert backend.runs_on().startswith("GPU NVIDIA T4, mixed float16 (weights in float32)")


def test_an_older_gpu_trains_in_float32(fake_gpus) -> None:
    fake_gpus(("Tesla P100", (6, 0)))
    assert backend.precision() == "float32"
    model = models.compile_binary(models.lecture_convnet(64))
    assert model.get_layer("conv1").compute_dtype == "float32"
    assert not isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert backend.runs_on().startswith("GPU Tesla P100, float32,")


def test_a_cpu_trains_in_bfloat16_where_it_has_the_units_else_float32(fake_gpus, monkeypatch) -> None:
    fake_gpus()
    monkeypatch.setattr(backend, "cpu_info", lambda: {"model name": "Some CPU", "flags": "avx2 avx512_bf16"})
    assert backend.precision() == "mixed_bfloat16"
    assert backend.runs_on().startswith("CPU (Some CPU, ") and "mixed bfloat16" in backend.runs_on()
    monkeypatch.setattr(backend, "cpu_info", lambda: {"flags": "avx2"})
    assert backend.precision() == "float32"
    model = models.compile_binary(models.lecture_convnet(64))
    assert not isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    monkeypatch.setenv("COURSE_MIXED_PRECISION", "1")  # asked for: the CPU's kind of 16 bits
    assert backend.precision() == "mixed_bfloat16"


def test_every_gpus_memory_grows_so_two_kernels_can_share_it(fake_gpus, capsys) -> None:
    grown = fake_gpus(("NVIDIA A100", (8, 0)), ("NVIDIA A100", (8, 0)))
    backend.configure()
    assert grown == ["/physical_device:GPU:0", "/physical_device:GPU:1"]
    assert capsys.readouterr().out.startswith("Runs on GPU NVIDIA A100, GPU NVIDIA A100, mixed float16")
    assert machine.report()["GPUs"] == "NVIDIA A100, NVIDIA A100"
    backend.configure(announce=False)  # the grader's prelude: quiet
    assert capsys.readouterr().out == ""


def test_a_float16_model_trains_a_step(fake_gpus) -> None:
    """Loss scaling and float16 layers work together (here on the CPU, as on a GPU)."""
    fake_gpus(("NVIDIA T4", (7, 5)))
    model = models.compile_binary(models.lecture_convnet(64, dropout=None), 1e-3, "adam")
    images = np.random.default_rng(0).uniform(0, 255, (4, 64, 64, 3)).astype("float32")
    loss = model.train_on_batch(images, np.array([0, 1, 0, 1], "float32"))
    assert np.isfinite(np.ravel(loss)[0])
