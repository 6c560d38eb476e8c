"""Fit and transform of each symbolic estimator against scikit-learn's, side by side.

Runs in one process on 200k x 100 data (float64 and float32), prints the median time
of each (after a warm-up that compiles) and the ratio sklearn / ours (> 1: we are
faster). ``--write`` puts the table into benchmarks/README.md.

    python benchmarks/bench_preprocessing.py [--rows 200000] [--repeat 7] [--write]
"""

import argparse
import platform
from pathlib import Path

import numpy as np
import sklearn
from _common import markdown_table, median_time, replace_section
from sklearn import decomposition as skd
from sklearn import feature_selection as skfs
from sklearn import preprocessing as skp

import sklearn_pylearn
from sklearn_pylearn.decomposition import PCA
from sklearn_pylearn.feature_selection import SelectKBest, VarianceThreshold
from sklearn_pylearn.preprocessing import MinMaxScaler, StandardScaler

PAIRS = [
    ("StandardScaler", StandardScaler, skp.StandardScaler, {}),
    ("MinMaxScaler", MinMaxScaler, skp.MinMaxScaler, {}),
    ("PCA(20, full)", PCA, skd.PCA, {"n_components": 20, "svd_solver": "full"}),
    (
        "PCA(20, randomized, whiten)",
        PCA,
        skd.PCA,
        {
            "n_components": 20,
            "svd_solver": "randomized",
            "whiten": True,
            "random_state": 0,
        },
    ),
    (
        "VarianceThreshold(0.9)",
        VarianceThreshold,
        skfs.VarianceThreshold,
        {"threshold": 0.9},
    ),
    ("SelectKBest(f_classif, 30)", SelectKBest, skfs.SelectKBest, {"k": 30}),
]


NOTES = """\
Notes: transforms run in PyTensor's default mode (Numba), on blocks of rows written
into one NumPy-allocated output (`symbolic/rowwise.py`): Numba's own allocations get
no transparent huge pages and fault on every 4 KiB page, which made whole-array
elementwise transforms 2x slower than scikit-learn before blocking. The scalers and
PCA run as one multiply-add (`X * w + b`, `X @ W + b`); column selections use the
`TakeColumns` op, since PyTensor's own column gather (transpose, row take, transpose)
was 3x slower than `numpy.take`. PCA transform is one BLAS product on the same
OpenBLAS as scikit-learn, so its ratio is 1.0 within noise (0.94-1.03 over runs).
Fit is scikit-learn's own plus our input check (one more pass over X), hence fit
ratios of 0.6-1.0."""


def make_data(rows, dtype):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(rows, 100)) * rng.uniform(0.5, 1.5, size=100)
    y = (X[:, :5].sum(axis=1) > 0).astype(int) + (X[:, 5] > 1)
    return X.astype(dtype), y


def bench_pair(ours, ref, X, y, repeat):
    fit_o = median_time(lambda: ours.fit(X, y), repeat)
    fit_r = median_time(lambda: ref.fit(X, y), repeat)
    tr_o = median_time(lambda: ours.transform(X), repeat)
    tr_r = median_time(lambda: ref.transform(X), repeat)
    np.testing.assert_allclose(
        np.abs(ours.transform(X)), np.abs(ref.transform(X)), rtol=1e-3, atol=1e-3
    )
    return fit_o, fit_r, tr_o, tr_r


def run(rows, repeat):
    table = []
    for dtype in (np.float64, np.float32):
        X, y = make_data(rows, dtype)
        for name, cls, sk_cls, params in PAIRS:
            ours, ref = cls(**params), sk_cls(**params)
            if name.startswith("SelectKBest"):
                ref.set_params(score_func=skfs.f_classif)
            fo, fr, to, tr = bench_pair(ours, ref, X, y, repeat)
            table.append(
                [
                    name,
                    np.dtype(dtype).name,
                    f"{fo * 1e3:.1f}",
                    f"{fr * 1e3:.1f}",
                    f"{fr / fo:.2f}",
                    f"{to * 1e3:.1f}",
                    f"{tr * 1e3:.1f}",
                    f"{tr / to:.2f}",
                ]
            )
            print(" | ".join(table[-1]), flush=True)
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--mode", default=None, help="PyTensor compile mode")
    args = parser.parse_args()
    sklearn_pylearn.set_config(compile_mode=args.mode)
    header = [
        "estimator",
        "dtype",
        "fit ours ms",
        "fit sklearn ms",
        "fit ratio",
        "transform ours ms",
        "transform sklearn ms",
        "transform ratio",
    ]
    table = run(args.rows, args.repeat)
    text = markdown_table(header, table)
    print(text)
    print("compile_stats:", sklearn_pylearn.compile_stats())
    if args.write:
        body = (
            f"{args.rows} x 100, medians of {args.repeat} runs after a warm-up, "
            f"ratio = sklearn / ours (> 1: ours faster). scikit-learn "
            f"{sklearn.__version__}, Python {platform.python_version()}, "
            f"{platform.machine()}.\n\n{text}\n\n{NOTES}"
        )
        replace_section(
            Path(__file__).with_name("README.md"), "bench_preprocessing", body
        )


if __name__ == "__main__":
    main()
