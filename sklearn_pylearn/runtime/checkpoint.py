"""Atomic checkpoints: directory entries that are never half-written.

A checkpoint directory holds entries ``ckpt-<seq>-step<step>/``, each with::

    manifest.json   format and library version, step, sizes and SHA-256 of the files
    state.json      the state tree as JSON (arrays replaced by their names)
    arrays.npz      the arrays, named by their place in the tree ("context/model/W")

An entry is written under a temporary name, every file and the entry are fsynced,
the entry is renamed into place and the directory is fsynced: a process killed at
any moment leaves either the whole entry or none of it. Reading checks the
versions and the checksums, and runs no code (``json`` and ``numpy.load`` with
``allow_pickle=False``). When the newest entry is truncated or corrupt, a
:class:`CorruptCheckpointWarning` says so and the previous good entry is used.

One process writes to a directory at a time.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import time
import uuid
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .._version import __version__, is_compatible
from ..exceptions import (
    CheckpointNotFoundError,
    CheckpointVersionError,
    CorruptCheckpointError,
    CorruptCheckpointWarning,
    StateError,
)
from ._state import decode_tree, encode_tree

__all__ = [
    "FORMAT_VERSION",
    "latest_checkpoint",
    "library_version",
    "list_checkpoints",
    "load_latest",
    "read_checkpoint",
    "write_checkpoint",
    "write_atomic",
]

FORMAT = "sklearn_pylearn.runtime.checkpoint"
FORMAT_VERSION = 1
_ENTRY_RE = re.compile(r"^ckpt-(\d+)-step(\d+)$")
_FILES = ("state.json", "arrays.npz")


def library_version() -> str:
    """The sklearn_pylearn version checkpoints record (``_version.__version__``).

    Examples
    --------
    >>> library_version().count(".") >= 1
    True
    """
    return __version__


def check_compatible(manifest: Mapping[str, Any], where: str) -> None:
    """Raise CheckpointVersionError unless this library can read ``manifest``."""
    if manifest.get("format") != FORMAT:
        raise CorruptCheckpointError(
            f"{where}: manifest format is {manifest.get('format')!r}, not {FORMAT!r}."
        )
    saved_fmt = manifest.get("format_version")
    saved_lib = str(manifest.get("library_version"))
    current = library_version()
    if saved_fmt != FORMAT_VERSION or not is_compatible(saved_lib, current):
        raise CheckpointVersionError(
            f"{where} was written by sklearn_pylearn {saved_lib} (checkpoint format "
            f"{saved_fmt!r}); this is sklearn_pylearn {current} (format "
            f"{FORMAT_VERSION}), which cannot read it. Resume with sklearn_pylearn "
            f"{saved_lib}, or start the training again in a new directory."
        )


# -- writing -----------------------------------------------------------------------


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_file(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def write_atomic(path: str | os.PathLike, data: bytes | str) -> Path:
    """Write one file so that a reader sees the old content or the new, never half.

    The data goes to a temporary file in the same directory, which is fsynced and
    renamed over ``path``; the directory is fsynced after the rename.

    Parameters
    ----------
    path : path-like
    data : bytes or str
        A str is written as UTF-8.

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "metrics.json"
    >>> write_atomic(target, '{"accuracy": 0.9}').read_text()
    '{"accuracy": 0.9}'
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        _write_file(tmp, data)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    _fsync_dir(path.parent)
    return path


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_leftovers(directory: Path) -> None:
    """Delete temporary and trashed entries left by dead (or this) processes."""
    for entry in directory.iterdir():
        match = re.match(r"^\.(tmp|trash)-(\d+)-", entry.name)
        if match and (int(match[2]) == os.getpid() or not _pid_alive(int(match[2]))):
            shutil.rmtree(entry, ignore_errors=True)


def _entries(directory: Path) -> list[tuple[int, int, Path]]:
    if not directory.is_dir():
        return []
    found = []
    for entry in directory.iterdir():
        match = _ENTRY_RE.match(entry.name)
        if match and entry.is_dir():
            found.append((int(match[1]), int(match[2]), entry))
    return sorted(found)


def list_checkpoints(directory: str | os.PathLike) -> list[Path]:
    """Checkpoint entries in ``directory``, oldest first (unverified).

    Examples
    --------
    >>> list_checkpoints("/nonexistent/dir")
    []
    """
    return [path for _, _, path in _entries(Path(directory))]


def _encode(state: Mapping[str, Any]) -> tuple[bytes, bytes]:
    arrays: dict[str, np.ndarray] = {}
    tree = encode_tree(dict(state), arrays)
    text = json.dumps(tree, allow_nan=False, indent=1).encode()
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return text, buf.getvalue()


def write_checkpoint(
    directory: str | os.PathLike,
    state: Mapping[str, Any],
    *,
    step: int,
    keep_last: int | None = None,
) -> Path:
    """Write ``state`` atomically as a new entry of ``directory``; return its path.

    Parameters
    ----------
    directory : path
        Created if missing.
    state : mapping
        A state tree (see :func:`~sklearn_pylearn.runtime._state.encode_tree`).
    step : int
        The VM step the state belongs to (part of the entry name).
    keep_last : int or None
        Delete older entries so that this many remain (None keeps all).

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> d = tempfile.mkdtemp()
    >>> path = write_checkpoint(d, {"w": np.arange(3.0)}, step=7)
    >>> path.name
    'ckpt-000001-step000000007'
    >>> read_checkpoint(path)["w"]
    array([0., 1., 2.])
    """
    if keep_last is not None and keep_last < 1:
        raise ValueError(
            f"write_checkpoint: keep_last must be >= 1, got {keep_last!r}."
        )
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(directory)
    text, npz = _encode(state)
    entries = _entries(directory)
    seq = entries[-1][0] + 1 if entries else 1
    final = directory / f"ckpt-{seq:06d}-step{step:09d}"
    tmp = directory / f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    files = {}
    for name, data in zip(_FILES, (text, npz)):
        _write_file(tmp / name, data)
        files[name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "library_version": library_version(),
        "step": int(step),
        "seq": seq,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "files": files,
    }
    _write_file(tmp / "manifest.json", json.dumps(manifest, indent=1).encode())
    _fsync_dir(tmp)
    os.rename(tmp, final)
    _fsync_dir(directory)
    if keep_last is not None:
        _prune(directory, keep_last)
    return final


def _prune(directory: Path, keep_last: int) -> None:
    old = _entries(directory)[:-keep_last]
    for _, _, path in old:
        trash = directory / f".trash-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        os.rename(path, trash)
    if old:
        _fsync_dir(directory)
        _remove_leftovers(directory)


# -- reading -----------------------------------------------------------------------


def _read_manifest(path: Path) -> dict:
    try:
        manifest = json.loads((path / "manifest.json").read_bytes())
    except (OSError, ValueError) as exc:
        raise CorruptCheckpointError(
            f"{path}: unreadable manifest.json ({exc})"
        ) from None
    if not isinstance(manifest, dict):
        raise CorruptCheckpointError(f"{path}: manifest.json is not a JSON object.")
    return manifest


def _read_files(path: Path, manifest: dict) -> dict[str, bytes]:
    contents = {}
    for name in _FILES:
        expected = manifest.get("files", {}).get(name)
        try:
            data = (path / name).read_bytes()
        except OSError as exc:
            raise CorruptCheckpointError(
                f"{path}: cannot read {name} ({exc})"
            ) from None
        if not expected or len(data) != expected["size"]:
            size = expected and expected.get("size")
            raise CorruptCheckpointError(
                f"{path}: {name} has {len(data)} bytes, the manifest says {size!r} "
                "(truncated)"
            )
        if hashlib.sha256(data).hexdigest() != expected["sha256"]:
            raise CorruptCheckpointError(f"{path}: {name} does not match its checksum")
        contents[name] = data
    return contents


def read_checkpoint(path: str | os.PathLike) -> dict:
    """Read and verify one checkpoint entry; return its state tree.

    Raises CheckpointVersionError for an incompatible version and
    CorruptCheckpointError for a truncated or damaged entry. Runs no code.
    """
    path = Path(path)
    manifest = _read_manifest(path)
    check_compatible(manifest, f"checkpoint {str(path)!r}")
    contents = _read_files(path, manifest)
    try:
        tree = json.loads(contents["state.json"])
        with np.load(io.BytesIO(contents["arrays.npz"]), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        return decode_tree(tree, arrays)
    except (ValueError, KeyError, OSError, StateError) as exc:
        raise CorruptCheckpointError(
            f"{path}: cannot decode the state ({exc})"
        ) from None


def load_latest(directory: str | os.PathLike) -> tuple[Path, dict]:
    """The newest readable checkpoint of ``directory``, as ``(path, state)``.

    A corrupt newer entry gives a :class:`CorruptCheckpointWarning` and the
    previous one is tried. Raises :class:`CheckpointNotFoundError` when none is
    usable and :class:`CheckpointVersionError` for an incompatible version.
    """
    directory = Path(directory)
    entries = list_checkpoints(directory)
    problems = []
    for path in reversed(entries):
        try:
            state = read_checkpoint(path)
        except CorruptCheckpointError as exc:
            problems.append(str(exc))
            continue
        for problem in problems:
            warnings.warn(
                f"{problem}; using the previous good checkpoint {path.name}.",
                CorruptCheckpointWarning,
                stacklevel=2,
            )
        return path, state
    detail = f" ({'; '.join(problems)})" if problems else ""
    raise CheckpointNotFoundError(
        f"no usable checkpoint in {str(directory)!r}{detail}. Start the program "
        "afresh, or check the directory name."
    )


def latest_checkpoint(directory: str | os.PathLike) -> Path | None:
    """The path of the newest readable checkpoint, or None when there is none.

    Examples
    --------
    >>> latest_checkpoint("/nonexistent/dir") is None
    True
    """
    with contextlib.suppress(CheckpointNotFoundError):
        return load_latest(directory)[0]
    return None
