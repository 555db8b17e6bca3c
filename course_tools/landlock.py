"""Linux Landlock through its three documented system calls (ctypes, no build step).

Landlock lets an unprivileged process give up access to the file system, to TCP ports
and to processes outside its own sandbox, for itself and every process it starts; the
kernel enforces it and nothing the process does later can lift it. See
https://docs.kernel.org/userspace-api/landlock.html, whose names this module keeps.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Sequence
from pathlib import Path

# The system call numbers are the same on every architecture (asm-generic table).
_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH, _RULE_NET_PORT = 1, 2
_PR_SET_NO_NEW_PRIVS = 38

# File-system rights (ABI 1, then REFER in 2, TRUNCATE in 3, IOCTL_DEV in 5).
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_BITS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | (1 << 14) | (1 << 15)  # what a rule on a file may grant
READ = EXECUTE | READ_FILE | READ_DIR
# TCP (ABI 4) and scopes (ABI 6): abstract UNIX sockets and signals stay inside the sandbox.
BIND_TCP, CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class _NetPortAttr(ctypes.Structure):
    _fields_ = [("allowed_access", ctypes.c_uint64), ("port", ctypes.c_uint64)]


class LandlockError(OSError):
    """Landlock is missing or refused a request."""


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def abi() -> int:
    """The Landlock ABI version this kernel offers; 0 where there is none (not Linux, an
    old kernel, or Landlock not enabled at boot)."""
    if not sys.platform.startswith("linux"):
        return 0
    version = _libc().syscall(_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION))
    return max(int(version), 0)


def _fs_bits(version: int) -> int:
    return _FS_BITS_BY_ABI[max(v for v in _FS_BITS_BY_ABI if v <= version)]


def _check(result: int, what: str) -> int:
    if result < 0:
        errno = ctypes.get_errno()
        raise LandlockError(errno, f"Landlock refused to {what}: {os.strerror(errno)}")
    return result


def restrict_self(read: Sequence[Path], write: Sequence[Path], tcp_bind: Sequence[int] = ()) -> int:
    """From now on this process and its children may only read (and execute) what lies
    under ``read``, read and change what lies under ``write``, bind only the TCP ports
    ``tcp_bind`` and connect to none, and (ABI 6 on) signal no process outside the sandbox.

    Paths that do not exist are skipped. Returns the ABI in force.

    Raises:
        LandlockError: Landlock is missing (ABI below 4) or refused a rule.
    """
    version = abi()
    if version < 4:
        raise LandlockError(0, f"this kernel's Landlock ABI is {version}; the sandbox needs 4 or later (Linux 6.7+)")
    libc = _libc()
    fs = _fs_bits(version)
    attr = _RulesetAttr(fs, BIND_TCP | CONNECT_TCP, SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if version >= 6 else 0)
    size = ctypes.c_size_t(ctypes.sizeof(_RulesetAttr))  # the kernel takes a longer struct whose tail is 0
    ruleset = _check(libc.syscall(_CREATE_RULESET, ctypes.byref(attr), size, 0), "create a ruleset")
    try:
        for paths, rights in ((read, READ), (write, fs)):
            for path in paths:
                _allow_path(libc, ruleset, Path(path), rights & fs)
        for port in tcp_bind:
            rule = _NetPortAttr(BIND_TCP, port)
            _check(libc.syscall(_ADD_RULE, ruleset, _RULE_NET_PORT, ctypes.byref(rule), 0), f"allow port {port}")
        _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "set no_new_privs")
        _check(libc.syscall(_RESTRICT_SELF, ruleset, 0), "restrict this process")
    finally:
        os.close(ruleset)
    return version


def _allow_path(libc: ctypes.CDLL, ruleset: int, path: Path, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # nothing there to allow
    try:
        if not path.is_dir():
            rights &= FILE_RIGHTS
        rule = _PathBeneathAttr(rights, fd)
        _check(libc.syscall(_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), 0), f"allow {path}")
    finally:
        os.close(fd)
