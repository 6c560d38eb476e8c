"""Every public estimator, with each solver, survives skops and joblib in a fresh
process with identical outputs (so no estimator can miss ``trusted_types()``)."""

import inspect
import subprocess
import sys
import textwrap
import warnings

import numpy as np
from sklearn.base import is_regressor

from sklearn_pylearn.persistence import dump
from sklearn_pylearn.preprocessing import StandardScaler
from sklearn_pylearn.utils._sklearn_compat import StrOptions
from sklearn_pylearn.utils.discovery import all_estimators

METHODS = ("predict", "predict_proba", "decision_function", "transform")
# Small and fast: parameters set only where an estimator has them.
SMALL = {"max_iter": 3, "hidden_layer_sizes": (3,), "n_components": 2}


def _instances():
    """Every public estimator, discovered, once per solver it offers."""
    for name, cls in all_estimators():
        required = [
            p.name
            for p in inspect.signature(cls).parameters.values()
            if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD
        ]
        est = cls([("scale", StandardScaler())]) if required == ["steps"] else cls()
        params = est.get_params()
        est.set_params(**{k: v for k, v in SMALL.items() if k in params})
        solvers = [None]
        for constraint in getattr(cls, "_parameter_constraints", {}).get("solver", []):
            if isinstance(constraint, StrOptions):
                solvers = sorted(constraint.options)
        for solver in solvers:
            clone = est.__class__(**est.get_params(deep=False))
            if solver is not None:
                clone.set_params(solver=solver)
            yield f"{name}-{solver}", clone


def _outputs(est, X):
    return {m: np.asarray(getattr(est, m)(X)) for m in METHODS if hasattr(est, m)}


def test_every_estimator_round_trips_through_skops_and_joblib_in_a_fresh_process(
    tmp_path,
):
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(30, 4))  # in [0, 1]: fits every transformer
    y_class = np.arange(30) % 3
    y_reg = X @ np.arange(1.0, 5.0)
    np.save(tmp_path / "X.npy", X)
    expected, files = {}, []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for key, est in _instances():
            if is_regressor(est):
                est.fit(X, y_reg)
            else:  # transformers ignore y, or (SelectKBest) need classes
                est.fit(X, y_class)
            for method, out in _outputs(est, X).items():
                expected[f"{key}.{method}"] = out
            files.append(dump(est, tmp_path / f"{key}.joblib"))
            files.append(dump(est, tmp_path / f"{key}.skops"))
    assert {
        "MLPClassifier-adam",
        "MLPClassifier-sgd",
        "PCA-None",
        "GraphClassifier-None",
        "GraphRegressor-None",
        "GraphTransformer-None",
    } <= {k.split(".")[0] for k in expected}
    script = textwrap.dedent(
        f"""
        import warnings, numpy as np
        from pathlib import Path
        from sklearn_pylearn.persistence import load
        warnings.simplefilter("ignore")
        X = np.load({str(tmp_path / "X.npy")!r})
        out = {{}}
        for path in {[str(f) for f in files]!r}:
            est = load(path)  # skops: trusted_types() only
            stem, fmt = Path(path).stem, Path(path).suffix
            for m in {METHODS!r}:
                if hasattr(est, m):
                    out[f"{{stem}}.{{m}}{{fmt}}"] = np.asarray(getattr(est, m)(X))
        np.savez({str(tmp_path / "out.npz")!r}, **out)
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    got = dict(np.load(tmp_path / "out.npz"))
    for name, out in expected.items():
        for fmt in (".joblib", ".skops"):
            np.testing.assert_array_equal(got[name + fmt], out, err_msg=name + fmt)
