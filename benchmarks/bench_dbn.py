"""Test accuracy of a DBN, a stacked denoising autoencoder and an MLP with the same
hidden layers and fine-tuning budget.

``python benchmarks/bench_dbn.py [--mnist PATH] [--hidden 100 100]
[--pretrain-epochs 10] [--max-iter 10] [--seeds 0 1] [--n-train N] [--no-write]``

Data: the 8x8 digits (1797 rows, a stratified 75 / 25 split with random_state 0)
by default; with ``--mnist`` MNIST's 60000 training and 10000 test images, scaled to
[0, 1], from ``PATH``: an ``.npz`` file holding ``x_train``, ``y_train``,
``x_test`` and ``y_test`` (Keras' ``mnist.npz``), or a directory holding the four
idx files (``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each optionally
``.gz``). The deeplearning.net tutorials report, on MNIST, 1.34% test error for a
784-1000-1000-1000-10 DBN (100 pretraining epochs per layer, up to 1000 of
fine-tuning), 1.3% for the SdA and 1.65% for an MLP; run with ``--hidden 1000 1000
1000`` and their budgets to compare (hours on a CPU).

Every network: sigmoid hidden units, fine-tuned by SGD (learning rate 0.1, momentum
0.9, minibatches of 20, ``--max-iter`` epochs, no early stopping); the DBN's and
SdA's layers pretrained ``--pretrain-epochs`` epochs each at learning rate 0.1
(CD-1; masking noise 0.2). The fit times are printed for information. Writes the
``bench_dbn`` section of ``benchmarks/README.md`` unless ``--no-write``.
"""

import argparse
import gzip
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, replace_section  # noqa: E402

from sklearn_pylearn.neural_network import (  # noqa: E402
    DBNClassifier,
    MLPClassifier,
    StackedDenoisingAutoencoderClassifier,
)

IDX_DTYPES = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}
IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


def read_idx(path):
    """The array of an idx file (MNIST's format), gzipped or not."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPES:
        raise ValueError(f"{path} is not an idx file (bad magic number {raw[:4]!r}).")
    ndim = raw[3]
    shape = tuple(int(d) for d in np.frombuffer(raw, ">i4", ndim, offset=4))
    dtype = np.dtype(IDX_DTYPES[raw[2]])
    data = np.frombuffer(raw, dtype, int(np.prod(shape)), offset=4 + 4 * ndim)
    return data.reshape(shape).astype(dtype.newbyteorder("="))


def _find_idx(directory, stem):
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem + ".idx"):
        if (directory / name).exists():
            return directory / name
    raise FileNotFoundError(
        f"--mnist {str(directory)!r}: no {stem}[.gz] in that directory; give the "
        "directory of MNIST's four idx files, or an .npz file."
    )


def load_mnist(path):
    """``(X_train, y_train, X_test, y_test)`` with images flattened into [0, 1]."""
    path = Path(path)
    if path.is_dir():
        arrays = {k: read_idx(_find_idx(path, v)) for k, v in IDX_FILES.items()}
    else:
        with np.load(path) as data:
            missing = sorted(set(IDX_FILES) - set(data.files))
            if missing:
                raise ValueError(
                    f"--mnist {str(path)!r} lacks {missing}; an .npz needs x_train, "
                    "y_train, x_test and y_test (as Keras' mnist.npz)."
                )
            arrays = {k: data[k] for k in IDX_FILES}
    images = [arrays[k].reshape(len(arrays[k]), -1) for k in ("x_train", "x_test")]
    scale = 255.0 if images[0].max() > 1 else 1.0
    X_train, X_test = (im.astype(np.float64) / scale for im in images)
    return X_train, arrays["y_train"].astype(int), X_test, arrays["y_test"].astype(int)


def load_data(mnist=None, n_train=None):
    if mnist is not None:
        X_train, y_train, X_test, y_test = load_mnist(mnist)
    else:
        X, y = load_digits(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(
            X / 16.0, y, test_size=0.25, random_state=0, stratify=y
        )
    if n_train is not None:
        X_train, y_train = X_train[:n_train], y_train[:n_train]
    return X_train, y_train, X_test, y_test


def contenders(hidden, pretrain_epochs, max_iter, seed):
    finetune = dict(
        hidden_layer_sizes=tuple(hidden),
        solver="sgd",
        learning_rate_init=0.1,
        momentum=0.9,
        batch_size=20,
        max_iter=max_iter,
        tol=0.0,
        random_state=seed,
    )
    pretrain = dict(pretrain_epochs=pretrain_epochs, pretrain_learning_rate=0.1)
    return {
        "DBN": DBNClassifier(**pretrain, **finetune),
        "SdA": StackedDenoisingAutoencoderClassifier(
            **pretrain, corruption_levels=0.2, **finetune
        ),
        "MLP": MLPClassifier(activation="logistic", **finetune),
    }


def run(data, hidden, pretrain_epochs, max_iter, seeds, out=print):
    X_train, y_train, X_test, y_test = data
    rows = []
    for seed in seeds:
        for name, est in contenders(hidden, pretrain_epochs, max_iter, seed).items():
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                est.fit(X_train, y_train)
            seconds = time.perf_counter() - start
            accuracy = est.score(X_test, y_test)
            out(f"seed {seed} {name}: test accuracy {accuracy:.4f} ({seconds:.1f} s)")
            rows.append([str(seed), name, f"{accuracy:.4f}", f"{seconds:.1f}"])
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mnist", help="MNIST .npz file or idx directory")
    parser.add_argument("--hidden", type=int, nargs="+", default=[100, 100])
    parser.add_argument("--pretrain-epochs", type=int, default=10)
    parser.add_argument("--max-iter", type=int, default=10)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--n-train", type=int, default=None)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    data = load_data(args.mnist, args.n_train)
    source = "MNIST" if args.mnist else "8x8 digits"
    print(
        f"{source}: {len(data[0])} training and {len(data[2])} test rows; hidden "
        f"{args.hidden}, {args.pretrain_epochs} pretraining epochs per layer, "
        f"{args.max_iter} fine-tuning epochs"
    )
    rows = run(data, args.hidden, args.pretrain_epochs, args.max_iter, args.seeds)
    table = markdown_table(["seed", "network", "test accuracy", "fit s"], rows)
    print(table)
    if not args.no_write:
        body = (
            f"`python benchmarks/bench_dbn.py` ({source}, hidden {args.hidden}, "
            f"{args.pretrain_epochs} + {args.max_iter} epochs; "
            f"{platform.processor() or platform.machine()}):\n\n{table}"
        )
        replace_section(
            Path(__file__).resolve().parent / "README.md", "bench_dbn", body
        )
    return rows


if __name__ == "__main__":
    main()
