"""Search and incremental training on a real dask.distributed LocalCluster (two
worker processes on this machine): results equal the same work run locally, each
worker compiles each graph structure at most once, and nothing compiled travels in
a pickle."""

import io
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")
dask_ml_wrappers = pytest.importorskip("dask_ml.wrappers")

import dask.array as da  # noqa: E402
import dask.dataframe as dd  # noqa: E402
from pytensor.compile import Function  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV  # noqa: E402
from sklearn.pipeline import Pipeline as SkPipeline  # noqa: E402

from sklearn_pylearn import clear_compile_cache, compile_stats  # noqa: E402
from sklearn_pylearn.data import Dataset  # noqa: E402
from sklearn_pylearn.decomposition import PCA  # noqa: E402
from sklearn_pylearn.feature_selection import SelectKBest  # noqa: E402
from sklearn_pylearn.graph.macros import LogReg  # noqa: E402
from sklearn_pylearn.linear_model import LogisticRegression  # noqa: E402
from sklearn_pylearn.neural_network import (  # noqa: E402
    BernoulliRBM,
    DenoisingAutoencoder,
    GraphClassifier,
    MLPClassifier,
)
from sklearn_pylearn.pipeline import Pipeline  # noqa: E402
from sklearn_pylearn.preprocessing import MinMaxScaler, StandardScaler  # noqa: E402
from sklearn_pylearn.symbolic import CompiledFunction  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(240, 10, n_informative=5, random_state=0)
    return X, y


def compiled_objects(obj):
    """Types of the compiled functions a pickle of ``obj`` would carry."""
    found = []

    class Spy(pickle.Pickler):
        def reducer_override(self, o):
            if isinstance(o, (CompiledFunction, Function)):
                found.append(type(o).__name__)
            return NotImplemented

    Spy(io.BytesIO()).dump(obj)
    return found


def search_on_cluster(client, search, X, y):
    """Fit ``search`` with joblib's dask backend; return the workers' compile stats."""
    client.run(clear_compile_cache)
    with joblib.parallel_backend("dask"):
        search.fit(X, y)
    return client.run(compile_stats)


def distinct_structures(make_search, X, y):
    """How many graph structures the search needs: compiles of a local run."""
    clear_compile_cache()
    local = make_search().fit(X, y)
    return local, compile_stats()["compiles"]


def check_search(client, make_search, X, y):
    local, n_structures = distinct_structures(make_search, X, y)
    remote = make_search()
    assert compiled_objects(remote) == []
    per_worker = search_on_cluster(client, remote, X, y)
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"],
        local.cv_results_["mean_test_score"],
        rtol=1e-12,
    )
    assert remote.best_params_ == local.best_params_
    compiles = {w: s["compiles"] for w, s in per_worker.items()}
    print(f"structures {n_structures}; compiles per worker {compiles}")
    assert len(compiles) == 2 and sum(compiles.values()) > 0, compiles
    for worker, stats in per_worker.items():
        # each structure compiled at most once per worker; every other fit hit
        assert stats["compiles"] <= n_structures, (worker, stats, n_structures)
        assert stats["compiles"] == stats["cached_functions"], (worker, stats)
    assert compiled_objects(remote.best_estimator_) == []
    blob = pickle.dumps(remote.best_estimator_)
    np.testing.assert_array_equal(pickle.loads(blob).predict(X), local.predict(X))
    return per_worker


def test_mlp_grid_search_on_two_workers_equals_local(client, data):
    X, y = data

    def make():
        grid = {"hidden_layer_sizes": [(4,), (8,)], "alpha": [1e-4, 1e-1]}
        est = MLPClassifier(max_iter=40, random_state=0)
        return GridSearchCV(est, grid, cv=3)

    check_search(client, make, X, y)


def test_fused_pipeline_grid_search_on_two_workers_equals_local(client, data):
    X, y = data

    def make():
        pipe = Pipeline(
            [
                ("scale", StandardScaler()),
                ("pca", PCA()),
                ("clf", LogisticRegression(max_iter=50)),
            ]
        )
        grid = {"pca__n_components": [3, 5], "clf__C": [0.1, 1.0]}
        return GridSearchCV(pipe, grid, cv=3)

    check_search(client, make, X, y)


def _local_partial_fits(blocks, classes):
    est = MLPClassifier(hidden_layer_sizes=(6,), random_state=0)
    for Xb, yb in blocks:
        est.partial_fit(Xb, yb, classes=classes)
    return est


def test_incremental_mlp_on_a_dask_array(client, data):
    X, y = data
    Xd, yd = da.from_array(X, chunks=60), da.from_array(y, chunks=60)
    inc = dask_ml_wrappers.Incremental(
        MLPClassifier(hidden_layer_sizes=(6,), random_state=0), shuffle_blocks=False
    )
    inc.fit(Xd, yd, classes=[0, 1])
    blocks = [(X[i : i + 60], y[i : i + 60]) for i in range(0, 240, 60)]
    local = _local_partial_fits(blocks, [0, 1])
    for a, b in zip(inc.estimator_.coefs_, local.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-10)
    assert compiled_objects(inc.estimator_) == []


def test_incremental_mlp_on_a_dask_frame_from_parquet(client, data, tmp_path):
    X, y = data
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])]).assign(y=y)
    for k in range(3):
        frame.iloc[80 * k : 80 * (k + 1)].to_parquet(tmp_path / f"part-{k}.parquet")
    ddf = dd.read_parquet(str(tmp_path))
    # Whole-frame conversion: dask fuses the partitions of a one-column projection
    # when it computes them (so ddf["y"].to_dask_array(lengths=True) fails).
    arr = ddf.to_dask_array(lengths=True)
    Xd, yd = arr[:, :-1], arr[:, -1].astype(np.int64)
    assert Xd.chunks[0] == yd.chunks[0] == (80, 80, 80)
    inc = dask_ml_wrappers.Incremental(
        MLPClassifier(hidden_layer_sizes=(6,), random_state=0), shuffle_blocks=False
    )
    inc.fit(Xd, yd, classes=[0, 1])
    blocks = [(X[80 * k : 80 * (k + 1)], y[80 * k : 80 * (k + 1)]) for k in range(3)]
    local = _local_partial_fits(blocks, [0, 1])
    for a, b in zip(inc.estimator_.coefs_, local.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-10)
    # the same frame feeds partial_fit through a Dataset, partition by partition
    stream = Dataset.from_dask(ddf, target="y", batch_size=80)
    est = MLPClassifier(hidden_layer_sizes=(6,), random_state=0)
    for batch in stream:
        est.partial_fit(batch.input, batch.target, classes=[0, 1])
    for a, b in zip(est.coefs_, local.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-10)


# -- every family, with GridSearchCV and RandomizedSearchCV ---------------------------
# Each family: (estimator factory, grid of two candidates). Data stays tiny: the
# point is where things compile and what travels, not the models.


def _preprocessing():
    # scikit-learn's (unfused) Pipeline: each step is its own compiled graph
    return SkPipeline(
        [
            ("select", SelectKBest(k=6)),
            ("scale", StandardScaler()),
            ("pca", PCA(n_components=3)),
            ("clf", LogisticRegression(max_iter=30)),
        ]
    )


FAMILIES = {
    "preprocessing": (_preprocessing, {"pca__n_components": [2, 3]}),
    "logistic": (lambda: LogisticRegression(max_iter=30), {"C": [0.1, 1.0]}),
    "mlp": (
        lambda: MLPClassifier((4,), max_iter=10, random_state=0),
        {"alpha": [1e-4, 1e-1]},
    ),
    "rbm": (
        lambda: Pipeline(
            [
                ("minmax", MinMaxScaler()),
                ("rbm", BernoulliRBM(n_components=4, n_iter=3, random_state=0)),
                ("clf", LogisticRegression(max_iter=30)),
            ]
        ),
        {"rbm__learning_rate": [0.05, 0.1]},
    ),
    "autoencoder": (
        lambda: Pipeline(
            [
                (
                    "dae",
                    DenoisingAutoencoder(n_components=4, max_iter=3, random_state=0),
                ),
                ("clf", LogisticRegression(max_iter=30)),
            ]
        ),
        {"dae__corruption_level": [0.1, 0.3]},
    ),
    "graph": (
        lambda: GraphClassifier(
            LogReg(10, 2), max_iter=3, batch_size=40, random_state=0
        ),
        {"model__cost__learning_rate": [0.01, 0.1]},
    ),
    "fused_pipeline": (
        lambda: Pipeline(
            [
                ("scale", StandardScaler()),
                ("pca", PCA(n_components=3)),
                ("clf", MLPClassifier((4,), max_iter=10, random_state=0)),
            ]
        ),
        {"clf__alpha": [1e-4, 1e-1]},
    ),
}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("search", ["grid", "randomized"])
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_searches_on_two_workers(client, data, family, search):
    X, y = data[0][:120], data[1][:120]
    factory, grid = FAMILIES[family]

    def make():
        if search == "grid":
            return GridSearchCV(factory(), grid, cv=2)
        return RandomizedSearchCV(factory(), grid, n_iter=2, cv=2, random_state=0)

    per_worker = check_search(client, make, X, y)
    print(family, search, {w: s["compiles"] for w, s in per_worker.items()})


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_dask_dataset_feeds_fit_partition_by_partition(client, data, tmp_path):
    X, y = data
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])]).assign(y=y)
    for k in range(3):
        frame.iloc[80 * k : 80 * (k + 1)].to_parquet(tmp_path / f"part-{k}.parquet")
    ddf = dd.read_parquet(str(tmp_path))
    stream = Dataset.from_dask(ddf, target="y", batch_size=20)
    loads = []
    load = stream._load_chunks

    def spy(ids):
        loads.append(list(ids))
        return load(ids)

    stream._load_chunks = spy
    params = dict(
        hidden_layer_sizes=(5,),
        max_iter=2,
        batch_size=20,
        shuffle=False,
        random_state=0,
    )
    streamed = MLPClassifier(**params).fit(stream)
    local = MLPClassifier(**params).fit(frame.drop(columns="y"), y)
    for a, b in zip(streamed.coefs_, local.coefs_):
        np.testing.assert_array_equal(a, b)
    # one partition at a time (plus a first look at the first one's columns)
    assert loads and all(len(ids) == 1 for ids in loads)
