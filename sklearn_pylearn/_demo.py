"""The ``python -m sklearn_pylearn demo`` job: a fused preprocessing pipeline on a
dataset that ships with scikit-learn, and proof that refitting compiles nothing."""

import time

from sklearn.datasets import load_digits

from . import compile_stats
from .decomposition import PCA
from .feature_selection import VarianceThreshold
from .pipeline import make_pipeline
from .preprocessing import MinMaxScaler, StandardScaler


def _pipeline():
    return make_pipeline(
        VarianceThreshold(threshold=0.0),
        StandardScaler(),
        PCA(n_components=20, random_state=0),
        MinMaxScaler(feature_range=(-1, 1)),
    )


def _delta(before):
    after = compile_stats()
    return {
        "compiles": after["compiles"] - before["compiles"],
        "hits": after["hits"] - before["hits"],
        "compile_seconds": round(
            after["compile_seconds"] - before["compile_seconds"], 3
        ),
    }


def run_demo(out=print):
    """Fit and transform two pipelines of one structure; report the compile cache.

    Returns
    -------
    report : dict
        Shapes and compile statistics of the two fits, for tests.
    """
    X, _ = load_digits(return_X_y=True)
    first_half, second_half = X[: len(X) // 2], X[len(X) // 2 :]
    out(f"digits: {X.shape[0]} samples x {X.shape[1]} features")

    before = compile_stats()
    start = time.perf_counter()
    pipe = _pipeline().fit(first_half)
    Xt = pipe.transform(X)
    first = _delta(before)
    out(f"\npipeline: {' -> '.join(name for name, _ in pipe.steps)}")
    out(f"transformed shape: {Xt.shape}, dtype {Xt.dtype}")
    out(f"first fit + transform: {time.perf_counter() - start:.2f} s, {first}")
    out("\n" + str(pipe.fusion_plan()))

    before = compile_stats()
    second_pipe = _pipeline().fit(second_half)
    second_pipe.transform(X)
    second = _delta(before)
    out(f"\nsecond pipeline, same structure, other data: {second}")
    verdict = "nothing new compiled" if second["compiles"] == 0 else "RECOMPILED"
    out(f"-> {verdict}: fitted arrays are graph inputs, not constants")
    out(f"\ncompile_stats(): {compile_stats()}")
    return {"shape": Xt.shape, "first": first, "second": second}
