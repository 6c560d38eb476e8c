"""Sparse (CSR) input: each sparse-capable step and a fused pipeline against
scikit-learn, side by side in one process.

200k x 2000 CSR at 0.5 % density (what a one-hot encoding gives), medians after a
warm-up that compiles; ratio = sklearn / ours (> 1: we are faster). ``--write`` puts
the table into benchmarks/README.md.

    python benchmarks/bench_sparse.py [--rows 200000] [--repeat 7] [--write]
"""

import argparse
import platform
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import sklearn
from _common import markdown_table, median_time, replace_section
from sklearn import decomposition as skd
from sklearn import feature_selection as skfs
from sklearn import pipeline as skpipe
from sklearn import preprocessing as skp

import sklearn_pylearn
from sklearn_pylearn.decomposition import PCA
from sklearn_pylearn.feature_selection import SelectKBest, VarianceThreshold
from sklearn_pylearn.pipeline import make_pipeline
from sklearn_pylearn.preprocessing import StandardScaler


def _steps():
    return [
        (
            "StandardScaler(with_mean=False)",
            lambda: StandardScaler(with_mean=False),
            lambda: skp.StandardScaler(with_mean=False),
        ),
        (
            "VarianceThreshold(1e-3)",
            lambda: VarianceThreshold(1e-3),
            lambda: skfs.VarianceThreshold(1e-3),
        ),
        (
            "SelectKBest(f_classif, 500)",
            lambda: SelectKBest(k=500),
            lambda: skfs.SelectKBest(skfs.f_classif, k=500),
        ),
        (
            "PCA(20, arpack)",
            lambda: PCA(20, svd_solver="arpack", random_state=0),
            lambda: skd.PCA(20, svd_solver="arpack", random_state=0),
        ),
        (
            "pipeline: kbest -> scaler",
            lambda: make_pipeline(SelectKBest(k=500), StandardScaler(with_mean=False)),
            lambda: skpipe.make_pipeline(
                skfs.SelectKBest(skfs.f_classif, k=500),
                skp.StandardScaler(with_mean=False),
            ),
        ),
    ]


def make_data(rows, cols=2000, density=0.005):
    X = sp.random(rows, cols, density=density, format="csr", random_state=0)
    y = np.asarray(X[:, :5].sum(axis=1)).ravel() > 0.01
    return X, y.astype(int)


def _dense(a):
    return a.toarray() if sp.issparse(a) else a


def _time_pair(ours, ref, X, y, repeat):
    return (
        median_time(lambda: ours.fit(X, y), repeat),
        median_time(lambda: ref.fit(X, y), repeat),
        median_time(lambda: ours.transform(X), repeat),
        median_time(lambda: ref.transform(X), repeat),
    )


def run(rows, repeat):
    X, y = make_data(rows)
    table = []
    for name, ours_f, ref_f in _steps():
        ours, ref = ours_f(), ref_f()
        fit_o, fit_r, tr_o, tr_r = _time_pair(ours, ref, X, y, repeat)
        out, expected = ours.transform(X), ref.transform(X)
        assert sp.issparse(out) == sp.issparse(expected)
        np.testing.assert_allclose(
            np.abs(_dense(out[:2000])), np.abs(_dense(expected[:2000])), atol=1e-8
        )
        table.append(
            [
                name,
                "sparse" if sp.issparse(out) else "dense",
                f"{fit_o * 1e3:.1f}",
                f"{fit_r * 1e3:.1f}",
                f"{fit_r / fit_o:.2f}",
                f"{tr_o * 1e3:.1f}",
                f"{tr_r * 1e3:.1f}",
                f"{tr_r / tr_o:.2f}",
            ]
        )
        print(" | ".join(table[-1]), flush=True)
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    header = [
        "step",
        "output",
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
            f"{args.rows} x 2000 CSR, density 0.5 %, medians of {args.repeat} runs "
            "after a warm-up, ratio = sklearn / ours (> 1: ours faster). "
            f"scikit-learn {sklearn.__version__}, Python "
            f"{platform.python_version()}, {platform.machine()}.\n\n{text}"
        )
        replace_section(Path(__file__).with_name("README.md"), "bench_sparse", body)


if __name__ == "__main__":
    main()
