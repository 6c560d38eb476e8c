"""A GridSearchCV of MLPClassifier on a dask.distributed LocalCluster.

``python benchmarks/bench_dask.py [--repeat 3] [--write]``

12 candidates (hidden_layer_sizes 3 values x alpha 4 values) x 3 folds = 36 fits
of an MLP on ``make_classification(20000, 100 features, 4 classes)``, with
``refit=False`` (the refit of the best candidate is one serial fit in the client
process after the search, the same for every backend), run with
``joblib.parallel_backend("dask")`` on a LocalCluster of 2 worker processes and
on one of 1 worker process (one thread each; the nanny sets the BLAS threads to
1), and with ``n_jobs=2`` on joblib's loky backend. Each contender gets one
warm-up search (imports, Numba's per-op cache, the structural compile cache of
each worker) and is then timed as the median of ``--repeat`` searches. The
script prints the times, the speed-up of 2 workers over 1 (goal >= 1.8) and
loky / dask, and the compile counts gathered from each worker with
``client.run(compile_stats)``. (With one worker thread, joblib's dask backend
reports one job and joblib runs the search sequentially in the client process: the
1-worker figure is the one-core time: the client's BLAS is limited to one
thread there, as the workers' is.) ``--write`` updates the ``bench_dask`` section of
``benchmarks/README.md``.
"""

import argparse
import os
import platform
import sys
import warnings
from pathlib import Path

import joblib
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, median_time, replace_section  # noqa: E402

GRID = {
    "hidden_layer_sizes": [(32,), (64,), (128,)],
    "alpha": [1e-5, 1e-4, 1e-3, 1e-2],
}
CV = 3


def make_data():
    from sklearn.datasets import make_classification

    return make_classification(
        20000, 100, n_informative=40, n_classes=4, random_state=0
    )


def make_search(n_jobs=None):
    from sklearn.model_selection import GridSearchCV

    from sklearn_pylearn.neural_network import MLPClassifier

    est = MLPClassifier(max_iter=40, batch_size=200, random_state=0, tol=0.0)
    # refit=False: the grid is the 36 fits; GridSearchCV's refit of the best
    # candidate on all rows is one more fit that runs after the search, in the
    # client process, whatever the backend (about 8% of the one-core time here).
    return GridSearchCV(est, GRID, cv=CV, n_jobs=n_jobs, refit=False)


def fit_quietly(search, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    return search


def time_dask(n_workers, X, y, repeat):
    from distributed import Client, LocalCluster
    from threadpoolctl import threadpool_limits

    from sklearn_pylearn import clear_compile_cache, compile_stats

    with (
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(clear_compile_cache)

        def run():
            # With one worker joblib runs the fits in this process: give it the
            # workers' one BLAS thread, so "1 worker" is the one-core time.
            with threadpool_limits(limits=1), joblib.parallel_backend("dask"):
                return fit_quietly(make_search(), X, y)

        seconds = median_time(run, repeat=repeat, warmup=1)
        stats = client.run(compile_stats)
        scores = run().cv_results_["mean_test_score"]
    return seconds, stats, scores


def time_loky(X, y, repeat):
    def run():
        return fit_quietly(make_search(n_jobs=2), X, y)

    return median_time(run, repeat=repeat, warmup=1), run().cv_results_[
        "mean_test_score"
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    from sklearn.model_selection import ParameterGrid

    X, y = make_data()
    load = os.getloadavg()[0]
    t2, stats2, s2 = time_dask(2, X, y, args.repeat)
    print(f"dask, 2 workers: {t2:.2f} s", flush=True)
    t1, stats1, s1 = time_dask(1, X, y, args.repeat)
    print(f"dask, 1 worker: {t1:.2f} s", flush=True)
    tl, sl = time_loky(X, y, args.repeat)
    print(f"loky, n_jobs=2: {tl:.2f} s", flush=True)
    same = np.allclose(s1, s2, rtol=1e-12) and np.allclose(s2, sl, rtol=1e-12)
    mark = "✓" if t1 / t2 >= 1.8 else "✗"
    rows = [
        ["dask, 1 worker", f"{t1:.2f}", "1.00"],
        ["dask, 2 workers", f"{t2:.2f}", f"{t1 / t2:.2f} {mark}"],
        ["loky, n_jobs=2", f"{tl:.2f}", f"{t1 / tl:.2f}"],
    ]
    compiles = ", ".join(
        f"{w.rsplit(':', 1)[-1]}: {s['compiles']} compiles / {s['hits']} hits"
        for w, s in sorted(stats2.items())
    )
    n_fits = len(ParameterGrid(GRID)) * CV
    body = "\n".join(
        [
            f"`python benchmarks/bench_dask.py --repeat {args.repeat}` ({n_fits} fits: "
            f"12 candidates x {CV} folds, MLPClassifier on 20000 x 100, 40 epochs; "
            f"{platform.machine()}, {os.cpu_count()} cores, load average {load:.1f} -> "
            f"{os.getloadavg()[0]:.1f}; medians after one warm-up search.)",
            "",
            markdown_table(
                ["contender", "search (s)", "speed-up over 1 worker (goal >= 1.8)"],
                rows,
            ),
            "",
            f"Dask vs loky (n_jobs=2): loky / dask-2 = {tl / t2:.2f}. Same "
            f"cv_results_ everywhere: {same}. Worker compile counts (2 workers, "
            f"warm-up and timed searches): {compiles}.",
        ]
    )
    print(body)
    if args.write:
        replace_section(Path(__file__).parent / "README.md", "bench_dask", body)


if __name__ == "__main__":
    main()
