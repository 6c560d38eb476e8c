"""benchmarks/bench_dbn.py: the MNIST loaders (idx and npz, on tiny files written
here) and a tiny run of the comparison."""

import gzip
import importlib.util
from pathlib import Path

import numpy as np
import pytest

PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_dbn.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_dbn", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_idx(path, array, code=0x08):
    header = bytes([0, 0, code, array.ndim]) + np.array(array.shape, ">i4").tobytes()
    payload = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as f:
        f.write(payload)


def _tiny(rng, n):
    return rng.randint(0, 256, (n, 4, 4)).astype(np.uint8), rng.randint(0, 10, n)


def test_read_idx_reads_gzipped_and_plain_files(bench, tmp_path):
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    _write_idx(tmp_path / "a", a)
    _write_idx(tmp_path / "a.gz", a)
    np.testing.assert_array_equal(bench.read_idx(tmp_path / "a"), a)
    np.testing.assert_array_equal(bench.read_idx(tmp_path / "a.gz"), a)
    f = np.linspace(0, 1, 6).reshape(2, 3)
    _write_idx(tmp_path / "f", f, code=0x0E)
    np.testing.assert_array_equal(bench.read_idx(tmp_path / "f"), f)
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="not an idx file"):
        bench.read_idx(tmp_path / "bad")


def test_load_mnist_from_an_idx_directory_and_an_npz(bench, tmp_path):
    rng = np.random.RandomState(0)
    (x_tr, y_tr), (x_te, y_te) = _tiny(rng, 6), _tiny(rng, 3)
    d = tmp_path / "idx"
    d.mkdir()
    _write_idx(d / "train-images-idx3-ubyte.gz", x_tr)
    _write_idx(d / "train-labels-idx1-ubyte.gz", y_tr.astype(np.uint8))
    _write_idx(d / "t10k-images-idx3-ubyte", x_te)
    _write_idx(d / "t10k-labels-idx1-ubyte", y_te.astype(np.uint8))
    np.savez(tmp_path / "m.npz", x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te)
    for source in (d, tmp_path / "m.npz"):
        X_train, y_train, X_test, y_test = bench.load_mnist(source)
        assert X_train.shape == (6, 16) and X_test.shape == (3, 16)
        np.testing.assert_allclose(X_train * 255, x_tr.reshape(6, 16))
        np.testing.assert_array_equal(y_test, y_te)
    np.savez(tmp_path / "bad.npz", x_train=x_tr)
    with pytest.raises(ValueError, match="lacks"):
        bench.load_mnist(tmp_path / "bad.npz")
    with pytest.raises(FileNotFoundError, match="no train-images"):
        bench.load_mnist(tmp_path)


@pytest.mark.filterwarnings("ignore")
def test_a_tiny_run_prints_each_network(bench, capsys):
    rows = bench.main(
        [
            "--hidden",
            "8",
            "--pretrain-epochs",
            "1",
            "--max-iter",
            "1",
            "--seeds",
            "0",
            "--n-train",
            "200",
            "--no-write",
        ]
    )
    assert [r[1] for r in rows] == ["DBN", "SdA", "MLP"]
    assert "seed 0 SdA: test accuracy" in capsys.readouterr().out
