from pathlib import Path

import pytest
from sklearn.base import BaseEstimator

from sklearn_pylearn.exceptions import ExperimentConfigError
from sklearn_pylearn.experiment import load_config, validate_config
from sklearn_pylearn.experiment.config import config_digest, resolve_name

ISSUE_EXAMPLE = """
data:
  sklearn: load_digits            # or: parquet: PATH / csv: PATH
  split: {test_size: 0.25, random_state: 0}
model:
  estimator: sklearn_pylearn.neural_network.MLPClassifier
  params: {hidden_layer_sizes: [64], max_iter: 30, random_state: 0}
evaluate:
  metrics: [accuracy]
"""


def _base(**sections):
    config = {
        "data": {"sklearn": "load_iris"},
        "model": {"estimator": "sklearn_pylearn.linear_model.LogisticRegression"},
    }
    config.update(sections)
    return config


def _problems(config):
    with pytest.raises(ExperimentConfigError) as info:
        validate_config(config)
    return info.value.problems


def test_the_issue_example_loads_with_defaults_filled():
    config, est = load_config(ISSUE_EXAMPLE)
    assert type(est).__name__ == "MLPClassifier"
    assert est.hidden_layer_sizes == [64] and est.max_iter == 30
    assert config["data"]["split"] == {
        "test_size": 0.25,
        "random_state": 0,
        "validation_size": None,
        "shuffle": True,
        "stratify": False,
    }
    assert config["fit"] == {
        "checkpoint": False,
        "checkpoint_every": None,
        "progress": False,
        "epochs": None,
    }
    assert config["evaluate"]["metrics"] == ["accuracy"]


def test_loading_from_a_file(tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text(ISSUE_EXAMPLE)
    config, _ = load_config(str(path))
    assert config["model"]["params"]["max_iter"] == 30
    with pytest.raises(ExperimentConfigError, match="no such experiment file"):
        load_config(str(tmp_path / "missing.yaml"))


def test_yaml_tags_that_would_run_code_are_refused():
    text = "data: !!python/object/apply:os.system ['echo hacked']\nmodel: {}\n"
    with pytest.raises(ExperimentConfigError, match="not valid YAML"):
        load_config(text)


def test_every_problem_is_reported_at_once_with_its_key_path():
    config = _base(
        fit={"checkpiont": True, "epochs": -1},
        evaluate={"metrics": ["acuracy"]},
    )
    config["model"]["params"] = {"CC": 1.0}
    config["data"]["split"] = {"test_size": "big"}
    problems = _problems(config)
    text = "\n".join(problems)
    assert "fit.checkpiont: unknown key; did you mean 'checkpoint'?" in text
    assert "fit.epochs: expected a positive integer or null, got -1" in text
    assert (
        "evaluate.metrics[0]: unknown metric 'acuracy'; did you mean 'accuracy'?"
        in (text)
    )
    assert (
        "model.params.CC: LogisticRegression has no parameter 'CC'; did you mean 'C'?"
        in (text)
    )
    assert "data.split.test_size: expected a fraction" in text
    assert len(problems) == 5


def test_unknown_sections_and_missing_ones():
    problems = _problems({"data": {"sklearn": "load_iris"}, "modle": {}})
    assert problems[0].startswith("modle: unknown section; did you mean 'model'?")
    assert problems[1] == "model: required section"
    with pytest.raises(ExperimentConfigError, match="a mapping of sections"):
        validate_config(["data"])


def test_untrusted_and_unknown_estimators():
    config = _base(model={"estimator": "os.system"})
    assert "is not trusted" in _problems(config)[0]
    config = _base(
        model={"estimator": "sklearn_pylearn.linear_model.LogisticRegresion"}
    )
    assert "did you mean 'LogisticRegression'?" in _problems(config)[0]
    config = _base(model={"estimator": "sklearn.metrics.accuracy_score"})
    assert "is not an estimator class" in _problems(config)[0]


def test_trusted_names_are_resolved():
    config = _base(
        model={"estimator": "collections.OrderedDict"}, trusted=["collections."]
    )
    # Trusted, but not an estimator: the trust check passed.
    assert "is not an estimator class" in _problems(config)[0]
    assert resolve_name("collections.OrderedDict", ["collections.OrderedDict"])


def test_data_sources():
    assert "exactly one source" in _problems(_base(data={}))[0]
    assert (
        "did you mean 'load_iris'" in _problems(_base(data={"sklearn": "load_irs"}))[0]
    )
    problems = _problems(_base(data={"csv": "/nonexistent.csv"}))
    assert problems == [
        "data.csv: no such file '/nonexistent.csv'",
        "data.target: required with data.csv",
    ]


def test_pipeline_steps():
    config = _base(
        model={
            "steps": [
                {"estimator": "sklearn_pylearn.preprocessing.StandardScaler"},
                {
                    "name": "clf",
                    "estimator": "sklearn_pylearn.linear_model.LogisticRegression",
                    "params": {"C": 2.0},
                },
            ]
        }
    )
    _, pipe = validate_config(config)
    assert [name for name, _ in pipe.steps] == ["standardscaler", "clf"]
    assert type(pipe).__module__ == "sklearn_pylearn.pipeline"
    config["model"]["estimator"] = "sklearn.svm.SVC"
    assert "exactly one of `estimator`, `graph` or `steps`" in _problems(config)[0]


def test_search_section():
    search = {"params": {"C": [0.1, 1.0], "tol": [1e-4]}, "cv": 2}
    config, _ = validate_config(_base(search=search))
    assert config["search"]["kind"] == "grid" and config["search"]["n_iter"] == 10
    bad = _problems(_base(search={"params": {"Cc": [1.0], "tol": []}, "cv": 1}))
    assert "search.cv: expected an integer >= 2, got 1" in bad
    assert any("search.params.Cc" in p and "did you mean 'C'" in p for p in bad)
    assert "search.params.tol: an empty list of values" in bad
    dist = {"distribution": "scipy.stats.loguniform", "args": [1e-3, 10]}
    assert "needs `kind: random`" in _problems(_base(search={"params": {"C": dist}}))[0]
    config, _ = validate_config(_base(search={"kind": "random", "params": {"C": dist}}))
    bad_dist = {"distribution": "scipy.stats.lognormal", "args": [1]}
    problems = _problems(_base(search={"kind": "random", "params": {"C": bad_dist}}))
    assert "search.params.C.distribution: cannot resolve" in problems[0]
    unsafe = {"distribution": "os.system", "args": ["ls"]}
    problems = _problems(_base(search={"kind": "random", "params": {"C": unsafe}}))
    assert "is not trusted" in problems[0]


def test_fit_settings_need_matching_parameters():
    problems = _problems(
        _base(
            model={"estimator": "sklearn_pylearn.preprocessing.StandardScaler"},
            fit={"epochs": 3, "checkpoint": True},
            evaluate={"metrics": ["r2"], "outputs": ["prediction"]},
        )
    )
    assert any(
        p.startswith("fit.epochs: StandardScaler has no max_iter") for p in problems
    )
    assert any(
        p.startswith("fit.checkpoint: StandardScaler has no checkpoint_dir")
        for p in problems
    )
    assert any(
        p.startswith("evaluate.outputs: StandardScaler has no named outputs")
        for p in problems
    )


MLP = {"estimator": "sklearn_pylearn.neural_network.MLPClassifier"}


def test_checkpoint_takes_true_false_or_a_directory(tmp_path):
    config, _ = validate_config(_base(model=MLP, fit={"checkpoint": "runs/ckpt"}))
    assert config["fit"]["checkpoint"] == "runs/ckpt"
    (tmp_path / "afile").write_text("")
    problems = _problems(_base(model=MLP, fit={"checkpoint": str(tmp_path / "afile")}))
    assert problems == [
        f"fit.checkpoint: {str(tmp_path / 'afile')!r} is a file; give a directory "
        "path (created if missing) or true for DIR/checkpoints"
    ]
    for bad in (3, "", None):
        (problem,) = _problems(_base(model=MLP, fit={"checkpoint": bad}))
        assert problem == (
            "fit.checkpoint: expected true (checkpoints in DIR/checkpoints), false, "
            f"or a directory path, got {bad!r}"
        )
    (problem,) = _problems(_base(model=MLP, fit={"checkpoint_dir": "x"}))
    assert problem.startswith(
        "fit.checkpoint_dir: unknown key; did you mean 'checkpoint'?"
    )


def test_checkpoint_every_needs_checkpoints_and_hooks():
    config, _ = validate_config(
        _base(model=MLP, fit={"checkpoint": True, "checkpoint_every": 2})
    )
    assert config["fit"]["checkpoint_every"] == 2
    problems = _problems(_base(model=MLP, fit={"checkpoint_every": 2}))
    assert problems[0].startswith("fit.checkpoint_every: checkpoints are off")
    (problem,) = _problems(
        _base(model=MLP, fit={"checkpoint": True, "checkpoint_every": 0})
    )
    assert problem.startswith("fit.checkpoint_every: expected a positive number")
    graph = {
        "graph": {
            "macro": "sklearn_pylearn.graph.macros.MLP",
            "params": {"n_in": 4, "hidden_layer_sizes": [3], "n_out": 3},
        }
    }
    # The Graph estimators have hooks: the runner can ask them for checkpoints.
    validate_config(_base(model=graph, fit={"checkpoint": True, "checkpoint_every": 1}))
    (problem,) = _problems(
        _base(
            model={"estimator": "tests.experiment.test_config.NoHooks"},
            trusted=["tests.experiment.test_config.NoHooks"],
            fit={"checkpoint": True, "checkpoint_every": 1},
        )
    )
    assert problem.startswith(
        "fit.checkpoint_every: NoHooks has a learner without a hooks"
    )


class NoHooks(BaseEstimator):
    """A learner with checkpoints but no hooks parameter (a user's own)."""

    def __init__(self, checkpoint_dir=None):
        self.checkpoint_dir = checkpoint_dir


def test_digest_changes_with_the_config():
    a, _ = validate_config(_base())
    b, _ = validate_config(_base(fit={"epochs": 5}))
    assert config_digest(a) == config_digest(validate_config(a)[0])
    assert config_digest(a) != config_digest(b)


@pytest.mark.parametrize(
    "path",
    sorted(
        (Path(__file__).resolve().parents[2] / "examples" / "experiments").glob(
            "*.yaml"
        )
    ),
    ids=lambda p: p.name,
)
def test_shipped_example_experiments_validate(path):
    config, estimator = load_config(str(path))
    assert estimator is not None and config["evaluate"]["metrics"]


def test_a_graph_macro_with_its_hyper_parameters():
    config, est = validate_config(
        _base(
            model={
                "graph": {
                    "macro": "sklearn_pylearn.graph.macros.DBN",
                    "params": {"n_in": 4, "hidden_layer_sizes": [5], "n_out": 3},
                },
                "params": {"learners": ["rbm1", "learner"], "max_iter": 2},
            }
        )
    )
    assert type(est).__name__ == "GraphClassifier"
    assert config["model"]["estimator"].endswith("GraphClassifier")
    assert "'rbm1'" in est.model.annotations()
    assert est.learners == ["rbm1", "learner"]
    problems = _problems(
        _base(
            model={
                "graph": {
                    "macro": "sklearn_pylearn.graph.macros.DBN",
                    "params": {"n_in": 4, "hiden_layer_sizes": [5], "n_out": 3},
                }
            }
        )
    )
    assert any("did you mean 'hidden_layer_sizes'" in p for p in problems)
    problems = _problems(
        _base(
            model={
                "graph": {
                    "macro": "sklearn_pylearn.graph.macros.RBM",
                    "params": {"n_in": 4, "n_hidden": 2},
                },
                "estimator": "sklearn_pylearn.linear_model.LogisticRegression",
            }
        )
    )
    assert "takes no layer-graph model" in problems[0]


def test_the_user_guide_documents_every_key():
    """doc/user_guide/experiments.md's tables name each key of SCHEMA, no more."""
    import re

    from sklearn_pylearn.experiment.config import SCHEMA, SECTIONS

    prefix = {
        "data": "data.",
        "split": "data.split.",
        "model": "model.",
        "graph": "model.graph.",
        "step": "model.steps[].",
        "fit": "fit.",
        "search": "search.",
        "evaluate": "evaluate.",
    }
    assert set(prefix) == set(SCHEMA)
    expected = {prefix[name] + key for name, keys in SCHEMA.items() for key in keys}
    expected |= {s for s in SECTIONS if s not in SCHEMA}  # trusted: a plain list
    page = Path(__file__).resolve().parents[2] / "doc/user_guide/experiments.md"
    documented = set(re.findall(r"^\| `([a-z_.\[\]]+)` \|", page.read_text(), re.M))
    assert documented == expected
