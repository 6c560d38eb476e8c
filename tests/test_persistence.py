"""joblib / pickle / skops persistence: no compiled functions, version stamp."""

import pickle
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_wine

from sklearn_pylearn import __version__
from sklearn_pylearn.decomposition import PCA
from sklearn_pylearn.exceptions import VersionMismatchWarning
from sklearn_pylearn.feature_selection import SelectKBest, VarianceThreshold
from sklearn_pylearn.persistence import dump, load, trusted_types
from sklearn_pylearn.preprocessing import MinMaxScaler, StandardScaler

X, Y = load_wine(return_X_y=True)
ESTIMATORS = [
    StandardScaler(),
    MinMaxScaler(clip=True),
    PCA(n_components=3, whiten=True),
    VarianceThreshold(0.5),
    SelectKBest(k=4),
]


@pytest.fixture(params=ESTIMATORS, ids=lambda e: type(e).__name__)
def fitted(request):
    est = request.param.fit(X, Y)
    est.transform(X)  # the compile cache now holds its function
    return est


def test_joblib_round_trip_in_a_fresh_process_is_bit_identical(fitted, tmp_path):
    path = tmp_path / "est.joblib"
    joblib.dump(fitted, path)
    np.save(tmp_path / "X.npy", X)
    script = textwrap.dedent(
        f"""
        import joblib, numpy as np
        est = joblib.load({str(path)!r})
        np.save({str(tmp_path / "out.npy")!r}, est.transform(np.load(
            {str(tmp_path / "X.npy")!r})))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), fitted.transform(X))


def test_pickle_holds_no_compiled_function(fitted):
    blob = pickle.dumps(fitted)
    assert b"pytensor" not in blob
    assert b"CompiledFunction" not in blob


def test_pickle_size_follows_the_fitted_arrays():
    small = PCA(n_components=2).fit(X)
    rng = np.random.RandomState(0)
    big_X = rng.normal(size=(300, 200))
    big = PCA(n_components=100).fit(big_X)
    big.transform(big_X)
    arrays = big.components_.nbytes + big.mean_.nbytes
    assert len(pickle.dumps(big)) < arrays + 8 * 1024
    assert len(pickle.dumps(small)) < 8 * 1024


def test_state_carries_the_library_version(fitted):
    assert fitted.__getstate__()["_sklearn_pylearn_version"] == __version__


def test_loading_another_major_version_warns(fitted):
    state = fitted.__getstate__()
    state["_sklearn_pylearn_version"] = "99.0.0"
    clone = type(fitted).__new__(type(fitted))
    with pytest.warns(VersionMismatchWarning, match="another major version"):
        clone.__setstate__(state)
    np.testing.assert_array_equal(clone.transform(X), fitted.transform(X))


def test_same_major_version_loads_silently(fitted, recwarn):
    pickle.loads(pickle.dumps(fitted))
    assert not [w for w in recwarn if w.category is VersionMismatchWarning]


def test_skops_round_trip(fitted, tmp_path):
    path = dump(fitted, tmp_path / "est.skops")
    loaded = load(path)
    np.testing.assert_array_equal(loaded.transform(X), fitted.transform(X))


def test_skops_refuses_types_that_are_not_trusted(tmp_path):
    from sklearn.pipeline import make_pipeline
    from skops.io.exceptions import UntrustedTypesFoundException

    path = dump(make_pipeline(StandardScaler()).fit(X), tmp_path / "pipe.skops")
    with pytest.raises(UntrustedTypesFoundException, match="Untrusted types"):
        load(path, trusted=[])


def test_trusted_types_lists_the_estimators_and_score_functions():
    names = trusted_types()
    assert "sklearn_pylearn.preprocessing._data.StandardScaler" in names
    assert "sklearn_pylearn.feature_selection._univariate.f_classif" in names
    assert all(name.startswith("sklearn_pylearn.") for name in names)


def test_dump_rejects_an_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="format must be one of"):
        dump(StandardScaler(), tmp_path / "x", format="json")
