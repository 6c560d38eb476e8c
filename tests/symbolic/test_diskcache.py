import os
import pickle
import time

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from sklearn_pylearn.symbolic import diskcache
from sklearn_pylearn.symbolic.compile import (
    clear_compile_cache,
    compile_function,
    compile_stats,
)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "functions"
    monkeypatch.setattr(diskcache, "cache_dir", lambda: folder)
    monkeypatch.delenv(diskcache.ENV_DISABLE, raising=False)
    clear_compile_cache()
    yield folder
    clear_compile_cache()


def _graph():
    x, w = pt.matrix("x"), pt.vector("w")
    return [x, w], pt.tanh(x * w) + 1


def _compile_fresh():
    """Compile in a process-like fresh state: empty in-memory cache."""
    clear_compile_cache()
    inputs, out = _graph()
    return compile_function(inputs, out)


X, W = np.arange(6.0).reshape(3, 2) / 4, np.array([1.0, -2.0])
EXPECTED = np.tanh(X * W) + 1


def test_second_process_loads_the_rewritten_function(cache):
    np.testing.assert_allclose(_compile_fresh()(X, W), EXPECTED)
    assert compile_stats()["disk_loads"] == 0
    files = list(cache.glob("*.pkl"))
    assert len(files) == 1
    assert oct(files[0].stat().st_mode & 0o777) == "0o600"
    fn = _compile_fresh()
    assert compile_stats()["disk_loads"] == 1
    assert compile_stats()["compiles"] == 1
    # Numba-linked: called from Numba's cache, PyTensor's Function not rebuilt.
    assert type(fn.fn).__name__ == "DirectFunction"
    np.testing.assert_allclose(fn(X, W), EXPECTED)
    assert fn.fn._full is None


def test_other_linkers_load_the_pickled_function(cache):
    from sklearn_pylearn import config_context

    with config_context(compile_mode="FAST_COMPILE"):  # PyTensor's VM linker
        np.testing.assert_allclose(_compile_fresh()(X, W), EXPECTED)
        fn = _compile_fresh()
    assert compile_stats()["disk_loads"] == 1
    assert type(fn.fn).__name__ == "Function"
    np.testing.assert_allclose(fn(X, W), EXPECTED)


def test_corrupted_file_falls_back_to_compiling(cache):
    _compile_fresh()
    (path,) = cache.glob("*.pkl")
    path.write_bytes(path.read_bytes()[:50])  # truncated
    np.testing.assert_allclose(_compile_fresh()(X, W), EXPECTED)
    assert compile_stats()["disk_loads"] == 0
    _compile_fresh()  # the compile rewrote a good file
    assert compile_stats()["disk_loads"] == 1


def test_garbage_file_falls_back_to_compiling(cache):
    _compile_fresh()
    (path,) = cache.glob("*.pkl")
    path.write_bytes(b"not a pickle at all")
    np.testing.assert_allclose(_compile_fresh()(X, W), EXPECTED)
    assert compile_stats()["disk_loads"] == 0


def test_version_mismatch_falls_back_to_compiling(cache, monkeypatch):
    _compile_fresh()
    stamp = diskcache.version_stamp()
    monkeypatch.setattr(diskcache, "version_stamp", lambda: (*stamp[:2], "9.9.9"))
    np.testing.assert_allclose(_compile_fresh()(X, W), EXPECTED)
    assert compile_stats()["disk_loads"] == 0


def test_a_file_under_another_key_is_not_used(cache):
    inputs, out = _graph()
    key = ("some", "key")
    diskcache.store(key, pytensor.function(inputs, out))
    assert diskcache.load(key) is not None
    (path,) = cache.glob("*.pkl")
    other = ("other", "key")
    path.rename(diskcache._path(other))
    assert diskcache.load(other) is None


def test_files_others_can_write_are_never_loaded(cache):
    _compile_fresh()
    (path,) = cache.glob("*.pkl")
    os.chmod(path, 0o666)
    _compile_fresh()
    assert compile_stats()["disk_loads"] == 0


def test_a_writable_directory_is_never_trusted(cache):
    _compile_fresh()
    os.chmod(cache, 0o777)
    _compile_fresh()
    assert compile_stats()["disk_loads"] == 0


def test_links_are_never_followed(cache, tmp_path):
    _compile_fresh()
    (path,) = cache.glob("*.pkl")
    elsewhere = tmp_path / "elsewhere.pkl"
    path.rename(elsewhere)
    path.symlink_to(elsewhere)
    _compile_fresh()
    assert compile_stats()["disk_loads"] == 0


def test_the_stamp_is_read_before_the_function(cache):
    _compile_fresh()
    (path,) = cache.glob("*.pkl")
    # A stale stamp followed by bytes that would fail to unpickle: never reached.
    path.write_bytes(pickle.dumps(("format 0",)) + b"\x80\x05garbage")
    _compile_fresh()
    assert compile_stats()["disk_loads"] == 0


def test_disabled_by_environment(cache, monkeypatch):
    monkeypatch.setenv(diskcache.ENV_DISABLE, "1")
    _compile_fresh()
    assert not cache.exists()


def test_graphs_with_shared_variables_stay_off_disk(cache):
    x = pt.vector("x")
    s = pytensor.shared(np.ones(2))
    compile_function([x], x + s)
    assert not cache.exists() or not list(cache.glob("*.pkl"))


def _files(folder, sizes_and_ages):
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = time.time()
    for name, size, age in sizes_and_ages:
        path = folder / name
        path.write_bytes(b"x" * size)
        os.utime(path, (now - age, now - age))


def test_prune_removes_the_least_recently_used_files(cache):
    _files(
        cache,
        [
            ("a.pkl", 100, 40),
            ("b.pkl", 100, 30),
            ("c.pkl", 100, 20),
            ("d.pkl", 100, 10),
        ],
    )
    assert diskcache.prune(max_bytes=1000) == []
    removed = diskcache.prune(max_bytes=300)  # down to 3/4 of the cap: 200 bytes
    assert sorted(p.name for p in removed) == ["a.pkl", "b.pkl"]
    assert sorted(p.name for p in cache.iterdir()) == ["c.pkl", "d.pkl"]


def test_prune_keeps_the_file_just_written(cache):
    _files(cache, [("old.pkl", 100, 50), ("new.pkl", 500, 0)])
    removed = diskcache.prune(max_bytes=100, keep=cache / "new.pkl")
    assert [p.name for p in removed] == ["old.pkl"]
    assert (cache / "new.pkl").exists()


def test_prune_removes_temporary_files_a_dead_writer_left(cache):
    hour = diskcache.STALE_TMP_SECONDS
    _files(cache, [("dead.tmp", 10, hour + 60), ("writing.tmp", 10, 1)])
    assert [p.name for p in diskcache.prune()] == ["dead.tmp"]
    assert (cache / "writing.tmp").exists()


def test_a_load_marks_its_file_as_recently_used(cache):
    _compile_fresh()
    (path,) = cache.glob("*.pkl")
    os.utime(path, (1_000_000, 1_000_000))
    _compile_fresh()
    assert compile_stats()["disk_loads"] == 1
    assert path.stat().st_mtime > time.time() - 60


def test_store_keeps_the_directory_under_the_cap(cache, monkeypatch):
    _files(cache, [("stale.pkl", 4000, 100)])
    monkeypatch.setattr(diskcache, "MAX_BYTES", 1000)
    _compile_fresh()
    names = [p.name for p in cache.glob("*.pkl")]
    assert "stale.pkl" not in names and len(names) == 1
