"""Rewritten, linked PyTensor functions kept on disk between processes.

A process that meets a graph structure for the first time spends about half a
second in PyTensor's rewrites before Numba compiles anything. This cache keeps the
rewritten function (a pickle of PyTensor's ``Function``: its optimised graph and
linker) in a directory beside PyTensor's compile directory, under a hash of the
structural key; a later process loads it instead of rewriting the graph again.
For a function linked by ``DirectNumbaLinker`` (``_numba_linker``) the file also
holds a ``DirectEntry``, and loading returns a ``DirectFunction`` that calls the
graph straight from Numba's cache; the ``Function`` is unpickled only if that call
cannot be served.

Pickles run code when loaded, so a file is loaded only when it sits in this
process's own cache directory, is a regular file (not a link) owned by this user,
and neither it nor the directory is writable by anyone else. Each file starts with
a version stamp (this format, Python, PyTensor, Numba, NumPy, this library and the
fast-math kernels); the structural key stored with the function must equal the key
looked up. Any mismatch, unreadable or corrupted file means "not cached": the
caller compiles and overwrites it. Writes go to a temporary file that is renamed
into place, so a reader never sees half a file.

The directory is kept under ``MAX_BYTES`` (512 MiB): a load marks its file as used
(its modification time), and after each write :func:`prune` removes the least
recently used files until the total is back under three quarters of the cap, plus
temporary files a crashed writer left behind an hour ago or more. Files of keys no
longer met (a new version, an abandoned structure) would otherwise pile up.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import stat
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytensor

from .. import __version__

__all__ = ["cache_dir", "enabled", "load", "prune", "store", "version_stamp"]

FORMAT = 2
MAX_BYTES = 512 * 2**20
# A temporary file this old belongs to a writer that died before renaming it.
STALE_TMP_SECONDS = 3600.0
ENV_DISABLE = "SKLEARN_PYLEARN_NO_DISK_CACHE"
_logger = logging.getLogger(__name__)


def enabled() -> bool:
    """False when ``SKLEARN_PYLEARN_NO_DISK_CACHE`` is set to a non-empty value.

    Examples
    --------
    >>> isinstance(enabled(), bool)
    True
    """
    return not os.environ.get(ENV_DISABLE)


def cache_dir() -> Path:
    """The directory of the cached functions, beside PyTensor's compile directory.

    Examples
    --------
    >>> cache_dir().name
    'sklearn_pylearn_functions'
    """
    return Path(pytensor.config.base_compiledir) / "sklearn_pylearn_functions"


def version_stamp() -> tuple[str, ...]:
    """What a cached function depends on besides its graph.

    Examples
    --------
    >>> version_stamp()[0]
    'format 2'
    """
    import numba

    from .fastmath import KERNEL_VERSION

    return (
        f"format {FORMAT}",
        sys.version,
        pytensor.__version__,
        numba.__version__,
        np.__version__,
        __version__,
        KERNEL_VERSION,
    )


def _path(key: Any) -> Path:
    digest = hashlib.sha256(repr(key).encode()).hexdigest()[:40]
    return cache_dir() / f"{digest}.pkl"


def _private(st: os.stat_result) -> bool:
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _trusted(path: Path) -> bool:
    try:
        st, dir_st = path.lstat(), path.parent.lstat()
    except OSError:
        return False
    return (
        stat.S_ISREG(st.st_mode)
        and stat.S_ISDIR(dir_st.st_mode)
        and _private(st)
        and _private(dir_st)
    )


def load(key: Any) -> Any | None:
    """The function stored under ``key``, or None (absent, untrusted, stale, bad).

    Examples
    --------
    >>> load(("no such key",)) is None
    True
    """
    path = _path(key)
    if not path.exists() or not _trusted(path):
        return None
    try:
        with path.open("rb") as file:
            if pickle.load(file) != version_stamp():
                return None
            stored_key, entry, function = pickle.load(file)
            if stored_key != key:
                return None
            if entry is not None:
                fn = entry.function(function)
            else:
                fn = pickle.loads(function)
    except Exception as exc:  # a corrupted or truncated file: compile instead
        _logger.debug("ignoring cached function %s: %s", path, exc)
        return None
    try:
        os.utime(path)  # used now: the last file prune removes
    except OSError:
        pass
    return fn


def _direct_entry(fn: Any) -> Any:
    # Only a DirectNumbaLinker makes one (see _numba_linker); other modes: None.
    linker = getattr(getattr(fn, "maker", None), "linker", None)
    make = getattr(linker, "direct_entry", None)
    return make(fn) if make is not None else None


def store(key: Any, fn: Any) -> bool:
    """Write ``fn`` under ``key`` atomically; False when it cannot be pickled.

    Examples
    --------
    >>> store(("a key",), lambda: None)  # lambdas do not pickle
    False
    """
    folder = cache_dir()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        record = (key, _direct_entry(fn), pickle.dumps(fn))
        payload = pickle.dumps(version_stamp()) + pickle.dumps(record)
    except Exception as exc:
        _logger.debug("not caching a function on disk: %s", exc)
        return False
    if not _private(folder.lstat()):
        return False
    path = _path(key)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _logger.debug("could not write a cached function: %s", exc)
        Path(tmp).unlink(missing_ok=True)
        return False
    prune(keep=path)
    return True


def prune(max_bytes: int | None = None, keep: Path | None = None) -> list[Path]:
    """Remove the least recently used files while the cache exceeds ``max_bytes``.

    Parameters
    ----------
    max_bytes : int, optional
        The cap (default ``MAX_BYTES``). When the cached functions exceed it, the
        least recently loaded or written are removed until they take at most three
        quarters of it. Temporary files older than ``STALE_TMP_SECONDS`` go too.
    keep : Path, optional
        A file never removed (:func:`store` passes the one it just wrote).

    Returns
    -------
    removed : list of Path

    Examples
    --------
    >>> isinstance(prune(), list)
    True
    """
    cap = MAX_BYTES if max_bytes is None else max_bytes
    folder = cache_dir()
    try:
        names = list(folder.iterdir())
    except OSError:
        return []
    now = time.time()
    mine = []
    for path in names:
        try:
            st = path.lstat()
        except OSError:  # renamed or removed by another process meanwhile
            continue
        if stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid():
            mine.append((path, st))
    doomed = [
        p
        for p, st in mine
        if p.suffix == ".tmp" and now - st.st_mtime >= STALE_TMP_SECONDS
    ]
    files = sorted((st.st_mtime, st.st_size, p) for p, st in mine if p.suffix == ".pkl")
    total = sum(size for _, size, _ in files)
    if total > cap:
        for _, size, path in files:
            if total <= 0.75 * cap:
                break
            if path != keep:
                doomed.append(path)
                total -= size
    removed = []
    for path in doomed:
        try:
            path.unlink()
        except OSError:  # another process removed or replaced it first
            continue
        removed.append(path)
    return removed
