"""Jobs run from the command line: experiments from YAML (``run CONFIG``,
``resume DIR``) and the warm-up (``warmup``).

The output directory of a run is described in :func:`run_experiment`'s module
(``sklearn_pylearn.experiment.runner``), the config's sections in
:func:`load_config`'s (``sklearn_pylearn.experiment.config``).

Examples
--------
>>> import tempfile
>>> from sklearn_pylearn.experiment import run_experiment
>>> metrics = run_experiment('''
... data: {sklearn: load_iris, split: {test_size: 0.3, random_state: 0}}
... model: {estimator: sklearn_pylearn.linear_model.LogisticRegression}
... evaluate: {metrics: [accuracy, f1_macro]}
... ''', tempfile.mkdtemp(), out=None)
>>> sorted(metrics["test"])
['accuracy', 'f1_macro']
"""

from .config import load_config, validate_config
from .runner import resume_experiment, run_experiment
from .warmup import (
    WarmupResult,
    register_warmup,
    unregister_warmup,
    warmup,
    warmup_jobs,
)

__all__ = [
    "WarmupResult",
    "load_config",
    "register_warmup",
    "resume_experiment",
    "run_experiment",
    "unregister_warmup",
    "validate_config",
    "warmup",
    "warmup_jobs",
]
