"""Reading and checking an experiment's YAML before anything runs.

An experiment is a mapping with the sections ``data``, ``model`` (required), ``fit``,
``search``, ``evaluate`` and ``trusted``. :func:`load_config` parses it with
``yaml.safe_load`` (no YAML tags, no code), fills the defaults and checks every key:
an unknown key, a value of the wrong type, an estimator that cannot be resolved or
is not trusted, a parameter the estimator does not have, a metric scikit-learn does
not know. All problems are reported at once, each with its key path and, where one is
near, a suggestion; :class:`~sklearn_pylearn.exceptions.ExperimentConfigError` lists
them.

Objects are named by dotted path and resolved only from ``sklearn_pylearn``,
``sklearn`` (and ``scipy.stats`` for search distributions), or from names the config
lists under ``trusted``.
"""

import copy
import difflib
import hashlib
import importlib
import json
import numbers
from pathlib import Path

from ..exceptions import ExperimentConfigError

__all__ = [
    "SCHEMA",
    "params_named",
    "config_digest",
    "load_config",
    "parse_config",
    "resolve_name",
    "validate_config",
]

TRUSTED_PREFIXES = ("sklearn_pylearn.", "sklearn.")
DISTRIBUTION_PREFIXES = ("scipy.stats.",)


def _is_int(v):
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _is_number(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _is_str_list(v):
    return isinstance(v, list) and all(isinstance(s, str) for s in v)


# section -> key -> (check, description, default). A default of ... means required
# (within the section, when the section is present).
SCHEMA = {
    "data": {
        "sklearn": (
            lambda v: isinstance(v, str),
            "a loader name like load_digits",
            None,
        ),
        "csv": (lambda v: isinstance(v, str), "a path to a CSV file", None),
        "parquet": (
            lambda v: isinstance(v, str),
            "a path to a parquet file or directory",
            None,
        ),
        "input": (_is_str_list, "a list of column names", None),
        "target": (lambda v: isinstance(v, str), "a column name", None),
        "split": (lambda v: isinstance(v, dict), "a mapping", {}),
    },
    "split": {
        "test_size": (
            lambda v: _is_number(v) and v > 0,
            "a fraction in (0, 1) or a number of rows",
            0.25,
        ),
        "validation_size": (
            lambda v: v is None or (_is_number(v) and v > 0),
            "a fraction in (0, 1), a number of rows, or null",
            None,
        ),
        "random_state": (lambda v: v is None or _is_int(v), "an integer or null", 0),
        "shuffle": (lambda v: isinstance(v, bool), "true or false", True),
        "stratify": (lambda v: isinstance(v, bool), "true or false", False),
    },
    "model": {
        "graph": (
            lambda v: isinstance(v, dict),
            "a mapping {macro: sklearn_pylearn.graph.macros.NAME, params: {...}}",
            None,
        ),
        "estimator": (lambda v: isinstance(v, str), "a dotted class path", None),
        "params": (lambda v: isinstance(v, dict), "a mapping of parameters", {}),
        "steps": (
            lambda v: isinstance(v, list) and all(isinstance(s, dict) for s in v),
            "a list of {estimator: ..., params: ...} mappings",
            None,
        ),
    },
    "graph": {
        "macro": (lambda v: isinstance(v, str), "a dotted macro path", ...),
        "params": (lambda v: isinstance(v, dict), "the macro's arguments", {}),
    },
    "step": {
        "name": (lambda v: isinstance(v, str), "a step name", None),
        "estimator": (lambda v: isinstance(v, str), "a dotted class path", ...),
        "params": (lambda v: isinstance(v, dict), "a mapping of parameters", {}),
    },
    "fit": {
        "checkpoint": (
            lambda v: isinstance(v, bool) or (isinstance(v, str) and bool(v.strip())),
            "true (checkpoints in DIR/checkpoints), false, or a directory path",
            False,
        ),
        "checkpoint_every": (
            lambda v: v is None or (_is_int(v) and v > 0),
            "a positive number of epochs or null (the learners' default: every 10 s)",
            None,
        ),
        "progress": (lambda v: isinstance(v, bool), "true or false", False),
        "epochs": (
            lambda v: v is None or (_is_int(v) and v > 0),
            "a positive integer or null",
            None,
        ),
    },
    "search": {
        "kind": (lambda v: v in ("grid", "random"), "'grid' or 'random'", "grid"),
        "params": (
            lambda v: isinstance(v, dict) and bool(v),
            "a non-empty mapping of parameter -> values",
            ...,
        ),
        "cv": (lambda v: _is_int(v) and v >= 2, "an integer >= 2", 3),
        "scoring": (lambda v: v is None or isinstance(v, str), "a scorer name", None),
        "n_iter": (lambda v: _is_int(v) and v > 0, "a positive integer", 10),
        "random_state": (lambda v: v is None or _is_int(v), "an integer or null", 0),
    },
    "evaluate": {
        "metrics": (_is_str_list, "a list of scorer names", None),
        "outputs": (_is_str_list, "a list of named outputs", []),
        "format": (lambda v: v in ("parquet", "csv"), "'parquet' or 'csv'", "parquet"),
    },
}
SECTIONS = ("data", "model", "fit", "search", "evaluate", "trusted")
# Keys without a default that stay absent unless given (alternatives of each other,
# or filled later from the estimator).
_ALTERNATIVES = {
    "sklearn",
    "csv",
    "parquet",
    "input",
    "target",
    "estimator",
    "steps",
    "name",
    "metrics",
    "graph",
}
REQUIRED = ("data", "model")


def _suggest(word, choices):
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _check_keys(mapping, schema_name, path, problems):
    """Check one mapping against ``SCHEMA[schema_name]``; fill its defaults."""
    schema = SCHEMA[schema_name]
    for key in mapping:
        if key not in schema:
            problems.append(
                f"{path}.{key}: unknown key{_suggest(key, schema)} "
                f"(allowed: {', '.join(schema)})"
            )
    for key, (check, what, default) in schema.items():
        if key not in mapping:
            if default is ...:
                problems.append(f"{path}.{key}: required ({what})")
            elif default is not None or key not in _ALTERNATIVES:
                mapping[key] = copy.deepcopy(default)
            continue
        if not check(mapping[key]):
            problems.append(f"{path}.{key}: expected {what}, got {mapping[key]!r}")


def resolve_name(name, trusted=(), *, prefixes=TRUSTED_PREFIXES):
    """Import the object a dotted path names, if the path is trusted.

    Parameters
    ----------
    name : str
        ``package.module.Name``.
    trusted : sequence of str
        Further names (or prefixes ending in ``.``) the user trusts.
    prefixes : tuple of str
        Prefixes trusted without being listed.

    Returns
    -------
    object

    Raises
    ------
    ExperimentConfigError
        When the name is not trusted or cannot be imported.

    Examples
    --------
    >>> resolve_name("sklearn_pylearn.preprocessing.StandardScaler").__name__
    'StandardScaler'
    >>> resolve_name("os.system")
    Traceback (most recent call last):
    ...
    sklearn_pylearn.exceptions.ExperimentConfigError: 'os.system' is not trusted: ...
    """
    allowed = tuple(prefixes) + tuple(trusted)
    if not any(name == t or (t.endswith(".") and name.startswith(t)) for t in allowed):
        raise ExperimentConfigError(
            f"{name!r} is not trusted: objects are resolved only from "
            f"{', '.join(p.rstrip('.') for p in prefixes)}; list it under `trusted:` "
            "to allow it."
        )
    module_name, _, attr = name.rpartition(".")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attr)
    except (ImportError, AttributeError, ValueError) as exc:
        hint = ""
        try:
            module = importlib.import_module(module_name)
            public = [n for n in dir(module) if not n.startswith("_")]
            hint = _suggest(attr, public)
        except ImportError:
            pass
        raise ExperimentConfigError(f"cannot resolve {name!r}: {exc}{hint}") from None


def _check_graph(spec, trusted, problems):
    """Build the layer-graph model a ``model.graph`` mapping describes (or None)."""
    import inspect

    _check_keys(spec, "graph", "model.graph", problems)
    if "macro" not in spec:
        return None
    try:
        macro = resolve_name(spec["macro"], trusted)
    except ExperimentConfigError as exc:
        problems.append(f"model.graph.macro: {exc}")
        return None
    if not callable(macro):
        problems.append(f"model.graph.macro: {spec['macro']!r} is not a macro")
        return None
    accepted = inspect.signature(macro).parameters
    for key in spec.get("params", {}):
        if key not in accepted:
            problems.append(
                f"model.graph.params.{key}: {macro.__name__} has no argument "
                f"{key!r}{_suggest(key, accepted)}"
            )
    try:
        return macro(**spec.get("params", {}))
    except (TypeError, ValueError) as exc:
        problems.append(f"model.graph.params: {exc}")
        return None


def _check_estimator(spec, path, trusted, problems, model=None):
    """Resolve ``spec['estimator']`` and check its ``params``; return an instance.

    ``model`` (a layer-graph model built from ``model.graph``) is passed as the
    estimator's ``model`` parameter.
    """
    try:
        cls = resolve_name(spec["estimator"], trusted)
    except ExperimentConfigError as exc:
        problems.append(f"{path}.estimator: {exc}")
        return None
    if not (isinstance(cls, type) and hasattr(cls, "get_params")):
        problems.append(
            f"{path}.estimator: {spec['estimator']!r} is not an estimator class"
        )
        return None
    valid = cls().get_params(deep=False)
    if model is not None and "model" not in valid:
        problems.append(
            f"{path}.estimator: {cls.__name__} takes no layer-graph model; use "
            "sklearn_pylearn.neural_network.GraphClassifier, GraphRegressor or "
            "GraphTransformer with model.graph"
        )
        return None
    bad = [k for k in spec.get("params", {}) if k not in valid]
    for key in bad:
        problems.append(
            f"{path}.params.{key}: {cls.__name__} has no parameter {key!r}"
            f"{_suggest(key, valid)}"
        )
    if bad:
        return None
    try:
        params = dict(spec.get("params", {}))
        if model is not None:
            params["model"] = model
        return cls(**params)
    except (TypeError, ValueError) as exc:
        problems.append(f"{path}.params: {exc}")
        return None


def _check_model(config, trusted, problems):
    model = config["model"]
    _check_keys(model, "model", "model", problems)
    if "graph" in model and "steps" not in model:
        graph = _check_graph(model["graph"], trusted, problems)
        if graph is None:
            return None
        model.setdefault("estimator", "sklearn_pylearn.neural_network.GraphClassifier")
        return _check_estimator(model, "model", trusted, problems, model=graph)
    has_est, has_steps = "estimator" in model, "steps" in model
    if has_est == has_steps:
        problems.append("model: give exactly one of `estimator`, `graph` or `steps`")
        return None
    if has_est:
        return _check_estimator(model, "model", trusted, problems)
    steps = []
    for i, step in enumerate(model["steps"]):
        path = f"model.steps[{i}]"
        _check_keys(step, "step", path, problems)
        if "estimator" in step:
            est = _check_estimator(step, path, trusted, problems)
            name = step.get("name") or type(est).__name__.lower() if est else None
            steps.append((name, est))
    if any(est is None for _, est in steps) or not steps:
        return None
    names = [name for name, _ in steps]
    if len(set(names)) != len(names):
        problems.append(f"model.steps: step names must be unique, got {names}")
        return None
    from ..pipeline import Pipeline

    return Pipeline(steps)


def _check_data(config, problems):
    data = config["data"]
    _check_keys(data, "data", "data", problems)
    sources = [k for k in ("sklearn", "csv", "parquet") if k in data]
    if len(sources) != 1:
        problems.append(
            "data: give exactly one source: `sklearn: load_digits`, `csv: PATH` or "
            f"`parquet: PATH` (got {sources or 'none'})"
        )
    elif sources[0] == "sklearn":
        name = data["sklearn"]
        import sklearn.datasets as skd

        loaders = [n for n in dir(skd) if n.startswith("load_")]
        if name not in loaders:
            problems.append(
                f"data.sklearn: {name!r} is not a bundled scikit-learn dataset"
                f"{_suggest(name, loaders)}"
            )
    else:
        if not Path(data[sources[0]]).exists():
            problems.append(f"data.{sources[0]}: no such file {data[sources[0]]!r}")
        if "target" not in data:
            problems.append(f"data.target: required with data.{sources[0]}")
    if isinstance(data.get("split"), dict):
        _check_keys(data["split"], "split", "data.split", problems)


def _check_search(config, estimator, trusted, problems):
    search = config["search"]
    _check_keys(search, "search", "search", problems)
    if estimator is None or not isinstance(search.get("params"), dict):
        return
    valid = estimator.get_params(deep=True)
    for key, values in search["params"].items():
        path = f"search.params.{key}"
        if key not in valid:
            problems.append(
                f"{path}: {type(estimator).__name__} has no parameter {key!r}"
                f"{_suggest(key, valid)}"
            )
        if isinstance(values, list):
            if not values:
                problems.append(f"{path}: an empty list of values")
        elif isinstance(values, dict):
            if search["kind"] != "random":
                problems.append(
                    f"{path}: a distribution needs `kind: random` (grid search takes "
                    "a list of values)"
                )
            _check_distribution(values, path, trusted, problems)
        else:
            problems.append(f"{path}: expected a list of values or a distribution")


def _check_distribution(spec, path, trusted, problems):
    allowed = {"distribution", "args", "kwargs"}
    for key in spec:
        if key not in allowed:
            problems.append(f"{path}.{key}: unknown key{_suggest(key, allowed)}")
    if "distribution" not in spec:
        problems.append(f"{path}.distribution: required (e.g. scipy.stats.loguniform)")
        return
    try:
        dist = resolve_name(
            spec["distribution"],
            trusted,
            prefixes=DISTRIBUTION_PREFIXES,
        )
        dist(*spec.get("args", []), **spec.get("kwargs", {}))
    except (ExperimentConfigError, TypeError, ValueError) as exc:
        problems.append(f"{path}.distribution: {exc}")


def params_named(estimator, names):
    """The deep parameter keys of ``estimator`` whose last part is one of ``names``.

    Examples
    --------
    >>> from sklearn_pylearn.pipeline import make_pipeline
    >>> from sklearn_pylearn.preprocessing import StandardScaler
    >>> from sklearn_pylearn.neural_network import MLPClassifier
    >>> params_named(make_pipeline(StandardScaler(), MLPClassifier()), ["max_iter"])
    ['mlpclassifier__max_iter']
    """
    keys = estimator.get_params(deep=True)
    return [k for k in keys if k.rpartition("__")[2] in names]


EPOCH_PARAMS = ("max_iter", "n_iter", "pretrain_epochs")


def _check_fit(config, estimator, problems):
    fit = config["fit"]
    _check_keys(fit, "fit", "fit", problems)
    where = fit.get("checkpoint")
    if isinstance(where, str) and Path(where).expanduser().is_file():
        problems.append(
            f"fit.checkpoint: {where!r} is a file; give a directory path (created "
            "if missing) or true for DIR/checkpoints"
        )
    if estimator is None:
        return
    if fit.get("epochs") and not params_named(estimator, EPOCH_PARAMS[:2]):
        problems.append(
            f"fit.epochs: {type(estimator).__name__} has no max_iter or n_iter "
            "parameter; set the number of passes in model.params instead"
        )
    if fit.get("checkpoint") and not params_named(estimator, ["checkpoint_dir"]):
        problems.append(
            f"fit.checkpoint: {type(estimator).__name__} has no checkpoint_dir "
            "parameter (the iterative learners of sklearn_pylearn have one); set "
            "checkpoint: false"
        )
    _check_checkpoint_every(fit, estimator, problems)


def _check_checkpoint_every(fit, estimator, problems):
    if not fit.get("checkpoint_every"):
        return
    if not fit.get("checkpoint"):
        problems.append(
            "fit.checkpoint_every: checkpoints are off; set fit.checkpoint: true "
            "(or a directory path), or remove checkpoint_every"
        )
    learners = params_named(estimator, ["checkpoint_dir"])
    hooks = {k.rpartition("__")[0] for k in params_named(estimator, ["hooks"])}
    if any(k.rpartition("__")[0] not in hooks for k in learners):
        problems.append(
            f"fit.checkpoint_every: {type(estimator).__name__} has a learner without "
            "a hooks parameter, which checkpoints on its own rhythm only; remove "
            "checkpoint_every"
        )


def _check_evaluate(config, estimator, problems):
    evaluate = config["evaluate"]
    _check_keys(evaluate, "evaluate", "evaluate", problems)
    if evaluate.get("outputs") and estimator is not None:
        if not hasattr(estimator, "compute"):
            problems.append(
                f"evaluate.outputs: {type(estimator).__name__} has no named outputs "
                "(no compute method); remove evaluate.outputs"
            )
    if evaluate.get("metrics") is None and estimator is not None:
        from sklearn.base import is_classifier

        evaluate["metrics"] = ["accuracy" if is_classifier(estimator) else "r2"]
    from sklearn.metrics import get_scorer_names

    names = get_scorer_names()
    for i, metric in enumerate(evaluate.get("metrics") or []):
        if metric not in names:
            problems.append(
                f"evaluate.metrics[{i}]: unknown metric {metric!r}"
                f"{_suggest(metric, names)}"
            )
    scoring = config.get("search", {}).get("scoring")
    if scoring is not None and scoring not in names:
        problems.append(
            f"search.scoring: unknown metric {scoring!r}{_suggest(scoring, names)}"
        )


def validate_config(config):
    """Check a parsed experiment and fill its defaults.

    Parameters
    ----------
    config : dict
        As parsed from YAML.

    Returns
    -------
    config : dict
        A deep copy with every default filled in (the resolved config).
    estimator : estimator
        The unfitted estimator (or Pipeline) the model section describes.

    Raises
    ------
    ExperimentConfigError
        Listing every problem found, each with its key path.

    Examples
    --------
    >>> cfg, est = validate_config({
    ...     "data": {"sklearn": "load_iris"},
    ...     "model": {"estimator": "sklearn_pylearn.linear_model.LogisticRegression"},
    ... })
    >>> cfg["data"]["split"]["test_size"], type(est).__name__
    (0.25, 'LogisticRegression')
    >>> validate_config({"data": {"sklearn": "load_iris"}, "modle": {}})
    Traceback (most recent call last):
    ...
    sklearn_pylearn.exceptions.ExperimentConfigError: the experiment has 2 problem(s):
      - modle: unknown section; did you mean 'model'? ...
      - model: required section
    """
    if not isinstance(config, dict):
        raise ExperimentConfigError(
            f"an experiment is a mapping of sections ({', '.join(SECTIONS)}), "
            f"got {type(config).__name__}"
        )
    config = copy.deepcopy(config)
    problems = []
    for key in config:
        if key not in SECTIONS:
            problems.append(
                f"{key}: unknown section{_suggest(key, SECTIONS)} "
                f"(allowed: {', '.join(SECTIONS)})"
            )
    for key in REQUIRED:
        if key not in config:
            problems.append(f"{key}: required section")
    for key in ("data", "model", "fit", "search", "evaluate"):
        if key in config and not isinstance(config[key], dict):
            problems.append(f"{key}: expected a mapping, got {config[key]!r}")
            del config[key]
    trusted = config.setdefault("trusted", [])
    if not _is_str_list(trusted):
        problems.append(f"trusted: expected a list of dotted names, got {trusted!r}")
        trusted = config["trusted"] = []
    estimator = None
    if "data" in config:
        _check_data(config, problems)
    if "model" in config:
        estimator = _check_model(config, trusted, problems)
    config.setdefault("fit", {})
    _check_fit(config, estimator, problems)
    if "search" in config:
        _check_search(config, estimator, trusted, problems)
    config.setdefault("evaluate", {})
    _check_evaluate(config, estimator, problems)
    if problems:
        raise ExperimentConfigError(problems)
    return config, estimator


def load_config(path_or_text):
    """Parse an experiment (a path or YAML text) safely and validate it.

    Parameters
    ----------
    path_or_text : str or path-like
        A path to a ``.yaml`` / ``.yml`` file, or YAML text.

    Returns
    -------
    config : dict
        The resolved config (defaults filled in).
    estimator : estimator
        The unfitted model.

    Examples
    --------
    >>> cfg, est = load_config('''
    ... data: {sklearn: load_iris}
    ... model:
    ...   estimator: sklearn_pylearn.linear_model.LogisticRegression
    ...   params: {C: 0.5}
    ... ''')
    >>> est.C
    0.5
    """
    return validate_config(parse_config(path_or_text))


def parse_config(path_or_text):
    """Parse an experiment (a path or YAML text) with ``yaml.safe_load``, unchecked.

    Examples
    --------
    >>> parse_config("fit: {checkpoint: true}")
    {'fit': {'checkpoint': True}}
    """
    import yaml

    text = str(path_or_text)
    if "\n" not in text and Path(text).suffix in (".yaml", ".yml", ".json"):
        if not Path(text).exists():
            raise ExperimentConfigError(f"no such experiment file: {text!r}")
        text = Path(text).read_text()
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ExperimentConfigError(
            f"the experiment is not valid YAML: {exc}"
        ) from None


def config_digest(config):
    """A digest of a resolved config, to check that a resumed run is the same one.

    Examples
    --------
    >>> config_digest({"a": 1}) == config_digest({"a": 1})
    True
    """
    text = json.dumps(config, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
