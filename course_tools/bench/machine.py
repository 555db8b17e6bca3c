"""The machine measured: its CPU's nominal and measured fp32 speed, and a process tree's memory."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import numpy as np

_SIMD = {16: "AVX-512", 8: "AVX2", 4: "SSE"}  # fp32 lanes per instruction
ROOT = Path(__file__).resolve().parents[2]  # the checkout measured


def cpu() -> dict:
    """This CPU's fp32 peak, with the assumptions it rests on."""
    from course_lib import backend

    info = backend.cpu_info()
    flags = set(info.get("flags", "").split())
    mhz = float(info.get("cpu MHz", "nan"))
    lanes = 16 if "avx512f" in flags else 8 if "avx2" in flags else 4
    fma_units = 2
    cores = os.cpu_count() or 1
    flops_per_cycle = 2 * lanes * fma_units  # an FMA is 2 flops, per lane, per unit
    return {
        "model": info.get("model name") or platform.processor(),
        "cores": cores,
        "clock_ghz": round(mhz / 1000, 3),
        "simd_fp32_lanes": lanes,
        "fma_units_per_core": fma_units,
        "peak_gflops": round(cores * mhz / 1000 * flops_per_cycle, 1),
        "assumptions": (
            f"{cores} cores x {mhz / 1000:.2f} GHz (the clock /proc/cpuinfo reports; turbo not counted) x "
            f"{fma_units} FMA units x {lanes} fp32 lanes ({_SIMD[lanes]}) "
            "x 2 flops per FMA"
        ),
    }


def matmul_gflops(n: int = 4096, seconds: float = 3.0) -> float:
    """fp32 GFLOP/s of one large matrix product (TensorFlow, all cores): what this CPU
    really sustains, turbo clock included, unlike the nominal peak of :func:`cpu`."""
    from course_lib import backend
    from course_lib.backend import keras

    rng = np.random.default_rng(0)
    a, b = (keras.ops.convert_to_tensor(rng.random((n, n), "float32")) for _ in range(2))
    product = backend.compiled(keras.ops.matmul)
    keras.ops.convert_to_numpy(product(a, b))  # warm-up
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        keras.ops.convert_to_numpy(product(a, b))
        count += 1
    return round(2 * n**3 * count / (time.perf_counter() - start) / 1e9, 1)


def tree_rss(pid: int) -> int:
    """Bytes of memory the process ``pid`` and its children hold (resident set)."""
    import psutil

    try:
        parent = psutil.Process(pid)
        processes = [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total
