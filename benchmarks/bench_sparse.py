"""Sparse (CSR) input: each sparse-capable step and a fused pipeline against
scikit-learn, side by side in one process.

200k x 2000 CSR at 0.5 % density (what a one-hot encoding gives), medians after a
warm-up that compiles; ratio = sklearn / ours (> 1: we are faster). ``--write`` puts
the table into benchmarks/README.md.

``--learners`` times the learners instead (LogisticRegression, MLPClassifier),
which take sparse input by densifying one minibatch or row block at a time: their
fit and predict_proba on the CSR matrix against scikit-learn's on the same matrix
(sparse products) and against ours on the dense matrix, on fewer rows (``--rows``
defaults to 20000 there).

    python benchmarks/bench_sparse.py [--rows 200000] [--repeat 7] [--write]
    python benchmarks/bench_sparse.py --learners [--rows 20000] [--repeat 3]
"""

import argparse
import platform
from functools import partial
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


def _learners():
    import warnings

    from sklearn import linear_model as sklm
    from sklearn import neural_network as sknn
    from sklearn.exceptions import ConvergenceWarning

    from sklearn_pylearn.linear_model import LogisticRegression
    from sklearn_pylearn.neural_network import MLPClassifier

    warnings.simplefilter("ignore", ConvergenceWarning)
    mlp = dict(hidden_layer_sizes=(64,), max_iter=3, random_state=0)
    return [
        ("LogisticRegression(lbfgs)", LogisticRegression, sklm.LogisticRegression, {}),
        ("MLPClassifier(adam, 3 epochs)", MLPClassifier, sknn.MLPClassifier, mlp),
        (
            "MLPClassifier(lbfgs, 20 its)",
            MLPClassifier,
            sknn.MLPClassifier,
            dict(mlp, solver="lbfgs", max_iter=20),
        ),
    ]


def run_learners(rows, repeat):
    X, y = make_data(rows)
    X_dense = X.toarray()
    table = []
    for name, ours_cls, ref_cls, params in _learners():
        times = {}
        for key, est, data in (
            ("ours sparse", ours_cls(**params), X),
            ("sklearn sparse", ref_cls(**params), X),
            ("ours dense", ours_cls(**params), X_dense),
        ):
            times[key, "fit"] = median_time(partial(est.fit, data, y), repeat)
            times[key, "proba"] = median_time(partial(est.predict_proba, data), repeat)
            if key == "ours sparse":
                proba = est.predict_proba(X)
            if key == "ours dense":  # the same model, dense or sparse
                np.testing.assert_allclose(est.predict_proba(X_dense), proba)
        for method in ("fit", "proba"):
            ours = times["ours sparse", method]
            table.append(
                [
                    name,
                    method,
                    f"{ours * 1e3:.1f}",
                    f"{times['sklearn sparse', method] * 1e3:.1f}",
                    f"{times['sklearn sparse', method] / ours:.2f}",
                    f"{times['ours dense', method] * 1e3:.1f}",
                    f"{times['ours dense', method] / ours:.2f}",
                ]
            )
            print(" | ".join(table[-1]), flush=True)
    return table


def main_learners(args):
    rows = args.rows or 20_000
    header = [
        "learner",
        "method",
        "ours sparse ms",
        "sklearn sparse ms",
        "sklearn / ours",
        "ours dense ms",
        "dense / sparse",
    ]
    text = markdown_table(header, run_learners(rows, args.repeat))
    print(text)
    if args.write:
        body = (
            f"`python benchmarks/bench_sparse.py --learners`: {rows} x 2000 CSR, "
            f"density 0.5 %, medians of {args.repeat} runs after a warm-up; ours "
            "densifies one minibatch / row block at a time. scikit-learn "
            f"{sklearn.__version__}, Python {platform.python_version()}, "
            f"{platform.machine()}.\n\n{text}"
        )
        path = Path(__file__).with_name("README.md")
        replace_section(path, "bench_sparse --learners", body)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--learners", action="store_true")
    args = parser.parse_args()
    if args.learners:
        main_learners(args)
        return
    args.rows = args.rows or 200_000
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
