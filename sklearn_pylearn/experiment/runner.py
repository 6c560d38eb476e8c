"""``python -m sklearn_pylearn run CONFIG`` and ``resume DIR``: an experiment, start to
end, resumable after kill -9.

A run writes its output directory as it goes::

    DIR/config.yaml        the resolved config (defaults filled in)
    DIR/run.json           status, the config's digest, the library version
    DIR/search/            one JSON file per finished search candidate
    DIR/checkpoints/       the learners' training checkpoints (fit: {checkpoint: true};
                           fit: {checkpoint: PATH} puts them in PATH instead)
    DIR/cv_results.csv     the search's results, as GridSearchCV's cv_results_
    DIR/metrics.json       {"train": {...}, "test": {...}} (and "validation", "search")
    DIR/history.csv        loss and validation score per epoch (iterative learners)
    DIR/model.skops        the fitted model (sklearn_pylearn.persistence, safe format)
    DIR/outputs_test.*     named outputs on the test set (evaluate: {outputs: [...]})
    DIR/plots/             training curve and filters, when matplotlib is installed
    DIR/run.log            what was printed

Every file is written atomically. A run killed anywhere is continued by ``resume DIR``
(or ``run CONFIG --output DIR --resume``), from this or another machine: finished
search candidates are not run again, an interrupted fit resumes from its checkpoint,
and the config must be the one that started the run. ``run.json`` records where the
checkpoints go (relative to DIR when inside it, so a moved DIR keeps them), and
``resume`` reads them from there.
"""

import json
import time
from pathlib import Path

import numpy as np

from .. import __version__
from ..exceptions import ExperimentConfigError
from ..runtime import Checkpoint, Hook, write_atomic
from .config import (
    EPOCH_PARAMS,
    config_digest,
    params_named,
    parse_config,
    validate_config,
)
from .data import load_data, split_data

__all__ = ["resume_experiment", "run_experiment"]


class _Log:
    """Print a line and append it to ``run.log``."""

    def __init__(self, directory, out):
        self.path = Path(directory) / "run.log"
        self.out = out

    def __call__(self, line=""):
        if self.out is not None:
            self.out(line)
        with open(self.path, "a") as f:
            f.write(f"{line}\n")


def _write_json(path, value):
    write_atomic(path, json.dumps(value, indent=2, sort_keys=True, default=_plain))


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _checkpoint_root(config, output):
    """Where a new run checkpoints, as recorded in ``run.json`` (None: nowhere).

    ``true`` gives ``checkpoints`` (relative to the run's directory); a path is
    resolved against the current directory, and kept relative to the run's
    directory when inside it.
    """
    where = config["fit"].get("checkpoint")
    if not where:
        return None
    if where is True:
        return "checkpoints"
    path = Path(where).expanduser().resolve()
    try:
        return str(path.relative_to(Path(output).resolve()))
    except ValueError:
        return str(path)


def _start(config, output, resume, out):
    """Create (or check, when resuming) the output directory.

    Returns the log and the run's state (``run.json``).
    """
    import yaml

    output = Path(output)
    run_file = output / "run.json"
    digest = config_digest(config)
    if run_file.exists():
        state = json.loads(run_file.read_text())
        if not resume:
            raise ExperimentConfigError(
                f"{str(output)!r} already holds a run (status {state['status']!r}); "
                "pass --resume to continue it, or choose another --output"
            )
        if state["digest"] != digest:
            raise ExperimentConfigError(
                f"the config differs from the one that started the run in "
                f"{str(output)!r} ({_changed_keys(output, config)}); resume with the "
                "original config (`python -m sklearn_pylearn resume DIR` reads it "
                "from DIR/config.yaml) or start a new run with another --output"
            )
    elif resume:
        raise ExperimentConfigError(
            f"nothing to resume: {str(output)!r} holds no run (no run.json)"
        )
    output.mkdir(parents=True, exist_ok=True)
    log = _Log(output, out)
    if not run_file.exists():
        write_atomic(output / "config.yaml", yaml.safe_dump(config, sort_keys=False))
        state = {
            "status": "running",
            "digest": digest,
            "version": __version__,
            "checkpoint_dir": _checkpoint_root(config, output),
        }
        _write_json(run_file, state)
        log(f"experiment started in {output}")
    else:
        state = json.loads(run_file.read_text())
        # Runs started before run.json recorded it checkpointed in DIR/checkpoints.
        state.setdefault("checkpoint_dir", _checkpoint_root(config, output))
        log(f"resuming the experiment in {output}")
    if state["checkpoint_dir"] is not None:
        log(f"checkpoints: {_checkpoints(output, state)}")
    return log, state


def _checkpoints(output, state):
    """The run's checkpoint directory (a Path), or None."""
    if state.get("checkpoint_dir") is None:
        return None
    return Path(output) / state["checkpoint_dir"]  # an absolute path stays one


def _changed_keys(output, config):
    import yaml

    saved = yaml.safe_load((Path(output) / "config.yaml").read_text())
    changed = []

    def walk(a, b, path):
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b), key=str):
                walk(a.get(key), b.get(key), f"{path}.{key}" if path else str(key))
        elif a != b:
            changed.append(path)

    walk(saved, config, "")
    return "changed: " + ", ".join(changed) if changed else "same keys, other values"


class _RunnerHook(Hook):
    """The runner's hook on each learner that has a ``hooks`` parameter.

    It notes an interruption (Ctrl-C, SIGTERM: the learner stops after the current
    step, checkpoints and returns), so that the run is not taken as finished; and,
    with ``every``, asks the learner's own Checkpoint hook for an entry every
    ``every`` epochs (it writes every 10 s otherwise; ``fit: {checkpoint_every}``).
    Only ``every`` is part of the saved state.
    """

    def __init__(self, every=None):
        self.every = every
        self.interrupted = False

    def get_state(self):
        return {"every": self.every}

    def set_state(self, state):
        self.every = state["every"]

    def on_epoch_end(self, vm, **info):
        if self.every and info["count"] % self.every == 0:
            for hook in vm.hooks:
                if isinstance(hook, Checkpoint):
                    vm.request_checkpoint(hook)

    def on_interrupt(self, vm, **info):
        self.interrupted = True


def _configure(estimator, fit, checkpoint_dir):
    """Apply the fit section (epochs, progress, checkpoints) to an unfitted model.

    ``checkpoint_dir`` is where this fit checkpoints (None: it does not).
    """
    params = {}
    if fit.get("epochs"):
        for key in params_named(estimator, EPOCH_PARAMS[:2]):
            params[key] = fit["epochs"]
    if fit.get("progress"):
        for key in params_named(estimator, ["verbose"]):
            params[key] = True
    if checkpoint_dir is not None:
        for key in params_named(estimator, ["checkpoint_dir"]):
            step = key.rpartition("__")[0] or "model"
            params[key] = str(Path(checkpoint_dir) / step)
    every = fit.get("checkpoint_every") if checkpoint_dir is not None else None
    hooks = estimator.get_params(deep=True)
    for key in params_named(estimator, ["hooks"]):
        params[key] = [*(hooks[key] or ()), _RunnerHook(every)]
    return estimator.set_params(**params)


def _fitted(model):
    """Remove the runner's hooks from a fitted model (they are no part of it).

    Raises KeyboardInterrupt when a learner's fit was interrupted: its model is
    not the finished one, and the run must stay resumable.
    """
    params, interrupted = {}, False
    for key, value in model.get_params(deep=True).items():
        if key.rpartition("__")[2] == "hooks" and value:
            ours = [h for h in value if isinstance(h, _RunnerHook)]
            interrupted |= any(h.interrupted for h in ours)
            if ours:
                params[key] = [h for h in value if h not in ours] or None
    model.set_params(**params)
    if interrupted:
        raise KeyboardInterrupt("a fit was interrupted")
    return model


# -- search ----------------------------------------------------------------------


def _candidates(search):
    from sklearn.model_selection import ParameterGrid, ParameterSampler

    from .config import resolve_name

    if search["kind"] == "grid":
        return list(ParameterGrid(search["params"]))
    dists = {}
    for key, spec in search["params"].items():
        if isinstance(spec, dict):
            dist = resolve_name(spec["distribution"], prefixes=("scipy.stats.",))
            dists[key] = dist(*spec.get("args", []), **spec.get("kwargs", {}))
        else:
            dists[key] = spec
    sampler = ParameterSampler(
        dists, n_iter=search["n_iter"], random_state=search["random_state"]
    )
    return list(sampler)


def _score(estimator, X, y, scoring):
    if scoring is None:
        return float(estimator.score(X, y))
    from sklearn.metrics import get_scorer

    return float(get_scorer(scoring)(estimator, X, y))


def _take(data, idx):
    return data.iloc[idx] if hasattr(data, "iloc") else np.asarray(data)[idx]


def _run_candidate(i, params, estimator, X, y, cv, config, root):
    """Cross-validate one candidate, fold by fold (each fold its own checkpoint)."""
    from sklearn.base import clone

    scores, fit_times = [], []
    for f, (train, test) in enumerate(cv.split(X, y)):
        ckpt = None if root is None else root / "search" / f"candidate_{i:04d}_fold{f}"
        model = _configure(clone(estimator).set_params(**params), config["fit"], ckpt)
        start = time.perf_counter()
        _fitted(model.fit(_take(X, train), _take(y, train)))
        fit_times.append(time.perf_counter() - start)
        scores.append(
            _score(model, _take(X, test), _take(y, test), config["search"]["scoring"])
        )
    return {"params": params, "scores": scores, "fit_times": fit_times}


def _search(estimator, X, y, config, output, root, log):
    """Run (or finish) the search; return the best parameters and cv_results."""
    from sklearn.base import is_classifier
    from sklearn.model_selection import check_cv

    search = config["search"]
    folder = Path(output) / "search"
    folder.mkdir(exist_ok=True)
    cv = check_cv(search["cv"], y, classifier=is_classifier(estimator))
    results = []
    candidates = _candidates(search)
    for i, params in enumerate(candidates):
        path = folder / f"candidate_{i:04d}.json"
        if path.exists():
            results.append(json.loads(path.read_text()))
            log(f"search: candidate {i + 1}/{len(candidates)} finished before, kept")
            continue
        result = _run_candidate(i, params, estimator, X, y, cv, config, root)
        _write_json(path, result)
        results.append(json.loads(path.read_text()))
        log(
            f"search: candidate {i + 1}/{len(candidates)} {params}: "
            f"mean score {np.mean(result['scores']):.4f}"
        )
    return _cv_results(results, output, log)


def _cv_results(results, output, log):
    import pandas as pd

    means = np.array([np.mean(r["scores"]) for r in results])
    table = {
        "params": [json.dumps(r["params"], sort_keys=True) for r in results],
        "mean_test_score": means,
        "std_test_score": [np.std(r["scores"]) for r in results],
        "rank_test_score": (-means).argsort().argsort() + 1,
        "mean_fit_time": [np.mean(r["fit_times"]) for r in results],
    }
    for k in range(len(results[0]["scores"])):
        table[f"split{k}_test_score"] = [r["scores"][k] for r in results]
    write_atomic(Path(output) / "cv_results.csv", pd.DataFrame(table).to_csv())
    best = int(np.argmax(means))
    log(f"search: best {results[best]['params']} (mean score {means[best]:.4f})")
    return results[best]["params"], float(means[best])


# -- evaluation and outputs --------------------------------------------------------


def _evaluate(model, parts, metrics):
    from sklearn.metrics import get_scorer

    return {
        part: {name: float(get_scorer(name)(model, X, y)) for name in metrics}
        for part, (X, y) in parts.items()
    }


def _final_step(model):
    return model[-1] if hasattr(model, "steps") else model


def _write_history(model, output):
    import pandas as pd

    final = _final_step(model)
    curve = getattr(final, "loss_curve_", None)
    if not curve:
        return None
    history = {"epoch": np.arange(1, len(curve) + 1), "loss": curve}
    scores = getattr(final, "validation_scores_", None)
    if scores:
        history["validation_score"] = scores
    path = Path(output) / "history.csv"
    write_atomic(path, pd.DataFrame(history).to_csv(index=False))
    return path


def _write_outputs(model, parts, evaluate, output):
    names = evaluate.get("outputs") or []
    if not names:
        return None
    X, y = parts["test"]
    frame = model.compute(X, y, outputs=names)
    path = Path(output) / f"outputs_test.{evaluate['format']}"
    if evaluate["format"] == "csv":
        write_atomic(path, frame.to_csv(index=False))
    else:
        from ..data import write_parquet

        write_parquet([frame], path)
    return path


def _save_model(model, output):
    """``model.skops``: the safe format (layer-graph models included)."""
    from ..persistence import dump

    path = Path(output) / "model.skops"
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        dump(model, tmp, format="skops")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return str(path)


def _write_plots(model, output):
    """Training curve (and filters) as PNG files, when matplotlib is installed."""
    try:
        from ..plotting import write_plots
    except ImportError:
        return []
    return write_plots(model, Path(output) / "plots")


# -- the run -----------------------------------------------------------------------


def _execute(config, estimator, output, root, log):
    X, y = load_data(config["data"])
    parts = split_data(X, y, config["data"]["split"])
    X_train, y_train = parts["train"]
    log(
        f"data: {len(X)} rows x {X.shape[1]} columns; "
        + ", ".join(f"{k} {len(v[0])}" for k, v in parts.items())
    )
    extra = {}
    if "search" in config:
        best_params, best_score = _search(
            estimator, X_train, y_train, config, output, root, log
        )
        estimator = estimator.set_params(**best_params)
        extra["search"] = {"best_params": best_params, "best_score": best_score}
    final = None if root is None else root / "final"
    model = _configure(estimator, config["fit"], final)
    log(f"fit: {type(model).__name__} on {len(X_train)} rows")
    start = time.perf_counter()
    _fitted(model.fit(X_train, y_train))
    log(f"fit: done in {time.perf_counter() - start:.2f} s")
    metrics = {**_evaluate(model, parts, config["evaluate"]["metrics"]), **extra}
    _write_json(Path(output) / "metrics.json", metrics)
    for part in parts:
        log(f"{part}: " + ", ".join(f"{k} {v:.4f}" for k, v in metrics[part].items()))
    _write_history(model, output)
    _write_outputs(model, parts, config["evaluate"], output)
    log(f"model: {_save_model(model, output)}")
    for path in _write_plots(model, output):
        log(f"plot: {path}")
    return metrics


def run_experiment(config, output, *, resume=False, out=print, checkpoint_dir=None):
    """Run an experiment (a YAML path, YAML text or a parsed mapping) into ``output``.

    Parameters
    ----------
    config : str, path-like or dict
        The experiment.
    output : path-like
        The run's directory (created).
    resume : bool, default=False
        Continue the run ``output`` holds; its config must be this one.
    out : callable or None, default=print
        Receives each line of the log (None: only ``run.log``).
    checkpoint_dir : path-like, optional
        Checkpoint the fit there: sets the config's ``fit.checkpoint`` (as the
        command line's ``--checkpoint-dir`` does), so the path is part of the
        config a resumed run must match.

    Returns
    -------
    metrics : dict
        ``{"train": {...}, "test": {...}}`` (and ``"validation"``, ``"search"``).

    Examples
    --------
    >>> import tempfile
    >>> metrics = run_experiment('''
    ... data: {sklearn: load_iris, split: {test_size: 0.3, random_state: 0}}
    ... model: {estimator: sklearn_pylearn.linear_model.LogisticRegression}
    ... ''', tempfile.mkdtemp(), out=None)
    >>> sorted(metrics), metrics["test"]["accuracy"] > 0.9
    (['test', 'train'], True)
    """
    if not isinstance(config, dict):
        config = parse_config(config)
    fit = config.get("fit") if isinstance(config, dict) else None
    if checkpoint_dir is not None and isinstance(fit or {}, dict):
        # (a malformed config is left for validate_config to report)
        config = {**config, "fit": {**(fit or {}), "checkpoint": str(checkpoint_dir)}}
    config, estimator = validate_config(config)
    log, state = _start(config, output, resume, out)
    if state["status"] == "finished":
        log("the run had finished: nothing to do")
        return json.loads((Path(output) / "metrics.json").read_text())
    root = _checkpoints(output, state)
    try:
        metrics = _execute(config, estimator, output, root, log)
    except KeyboardInterrupt:
        log(
            f"interrupted: the run is not finished; `python -m sklearn_pylearn "
            f"resume {output}` continues it"
        )
        raise
    _write_json(Path(output) / "run.json", {**state, "status": "finished"})
    log(f"finished: metrics in {Path(output) / 'metrics.json'}")
    return metrics


def resume_experiment(output, *, out=print):
    """Continue the run in ``output`` with the config that started it.

    The config is read from ``output/config.yaml`` and checked against the digest
    the run recorded, so an edited config is refused.

    Returns
    -------
    metrics : dict
    """
    path = Path(output) / "config.yaml"
    if not path.exists():
        raise ExperimentConfigError(
            f"nothing to resume: {str(output)!r} holds no run (no config.yaml)"
        )
    return run_experiment(str(path), output, resume=True, out=out)
