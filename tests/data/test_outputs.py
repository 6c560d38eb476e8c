"""Outputs of learners on datasets: Datasets of named outputs, parquet files."""

import numpy as np
import pandas as pd
import pytest

from sklearn_pylearn.data import Dataset, ParquetDataset, predict_to_parquet
from sklearn_pylearn.data._outputs import default_outputs, outputs_dataset
from sklearn_pylearn.neural_network import MLPClassifier
from sklearn_pylearn.preprocessing import StandardScaler
from tests.data.conftest import COLUMNS

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_predict_to_parquet_streams_outputs(frame, parquet, tmp_path):
    ds = ParquetDataset(parquet, input=COLUMNS, target="y", batch_size=10)
    clf = MLPClassifier(hidden_layer_sizes=(3,), max_iter=3, random_state=0).fit(
        frame[COLUMNS], frame["y"]
    )
    out = predict_to_parquet(clf, ds, tmp_path / "p.parquet")
    assert isinstance(out, ParquetDataset) and len(out) == 60
    got = pd.read_parquet(tmp_path / "p.parquet")
    np.testing.assert_array_equal(got["prediction"], clf.predict(frame[COLUMNS]))
    predict_to_parquet(
        clf, ds, tmp_path / "c.parquet", method="compute", outputs=["proba", "nll"]
    )
    ref = clf.compute(frame[COLUMNS], frame["y"], ["proba", "nll"])
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "c.parquet"), ref)
    scaler = StandardScaler().fit(frame[COLUMNS])
    predict_to_parquet(scaler, ds, tmp_path / "t.parquet", method="transform")
    t = pd.read_parquet(tmp_path / "t.parquet")
    assert list(t.columns) == COLUMNS
    np.testing.assert_allclose(t.to_numpy(), scaler.transform(frame[COLUMNS]))
    mem = Dataset.from_frame(frame, input=COLUMNS, target="y")
    predict_to_parquet(clf, mem, tmp_path / "m.parquet", batch_size=7)
    np.testing.assert_array_equal(
        pd.read_parquet(tmp_path / "m.parquet")["prediction"], got["prediction"]
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "c.parquet",
        "m.parquet",
        "p.parquet",
        "t.parquet",
    ]  # no temporary left
    with pytest.raises(ValueError, match="has no method 'nope'"):
        predict_to_parquet(clf, ds, tmp_path / "x.parquet", method="nope")


def test_outputs_dataset_groups_columns_by_output():
    df = pd.DataFrame(
        {
            "prediction": [0, 1],
            "proba_a": [0.9, 0.2],
            "proba_b": [0.1, 0.8],
            "log_proba_a": [-0.1, -1.6],
            "log_proba_b": [-2.3, -0.2],
        },
        index=[5, 6],
    )
    ds = outputs_dataset(df, ["prediction", "proba", "log_proba"])
    assert ds.fields == ("prediction", "proba", "log_proba")
    assert ds.columns("proba") == ("proba_a", "proba_b")
    pd.testing.assert_frame_equal(ds.to_frame(), df.reset_index(drop=True))


def test_default_outputs_need_a_target_only_when_there_is_one(frame):
    clf = MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
    clf.fit(frame[COLUMNS], frame["y"])
    with_target = default_outputs(clf, True)
    assert {"nll", "class_error", "prediction"} <= set(with_target)
    assert "nll" not in default_outputs(clf, False)
    assert default_outputs(StandardScaler(), True) == []
