"""What every checkpointed estimator does around :func:`run_training`.

The estimators with ``checkpoint_dir`` and ``hooks`` parameters (the MLPs,
``LogisticRegression``, the Graph estimators) share three steps here:

- :func:`check_hooks` refuses a ``hooks`` entry that is not a hook object;
- :func:`checkpoint_plan` names the fit's own sub-directory of
  ``checkpoint_dir`` (a digest of its parameters and data, so the clones of a
  search never share one) and the seed it trains with (recorded in its
  checkpoints, so a fit without a fixed ``random_state`` resumes too);
- :func:`report_interrupt` tells the user, once, what an interrupted fit
  (Ctrl-C, SIGTERM) left and how to resume it.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .programs import checkpoint_seed, data_fingerprint

__all__ = ["check_hooks", "checkpoint_plan", "report_interrupt", "run_params"]

RUN_ONLY = ("verbose", "hooks", "checkpoint_dir")


def check_hooks(estimator: Any) -> None:
    """Raise a TypeError naming the entry of ``estimator.hooks`` that is no hook.

    Examples
    --------
    >>> from sklearn_pylearn.neural_network import MLPClassifier
    >>> from sklearn_pylearn.runtime import Hook
    >>> check_hooks(MLPClassifier(hooks=[Hook()]))
    >>> check_hooks(MLPClassifier(hooks=[Hook]))
    Traceback (most recent call last):
    ...
    TypeError: MLPClassifier: hooks[0] must be a hook object ...
    """
    for i, hook in enumerate(estimator.hooks or ()):
        if isinstance(hook, type) or not any(
            name.startswith("on_") and callable(getattr(hook, name))
            for name in dir(hook)
        ):
            raise TypeError(
                f"{type(estimator).__name__}: hooks[{i}] must be a hook object (a "
                "sklearn_pylearn.runtime.Hook instance, with on_epoch_end and "
                f"the like), got {hook!r}. Pass instances: hooks=[MyHook()]."
            )


def run_params(estimator: Any, skip: Sequence[str] = RUN_ONLY) -> list:
    """The parameters that make a fit what it is, as sorted ``(name, repr)`` pairs
    (``verbose``, ``hooks`` and ``checkpoint_dir`` left out: they change how a fit
    runs, not its result).

    Examples
    --------
    >>> from sklearn_pylearn.linear_model import LogisticRegression
    >>> run_params(LogisticRegression(C=2.0))[:2]
    [('C', '2.0'), ('batch_size', "'auto'")]
    """
    params = estimator.get_params()
    return sorted((k, repr(v)) for k, v in params.items() if k not in skip)


def checkpoint_plan(
    checkpoint_dir,
    params: list,
    random_state,
    data: Sequence[Any] = (),
    *,
    incremental: bool = False,
) -> dict:
    """Where a fit checkpoints, its fingerprint and its seed.

    Parameters
    ----------
    checkpoint_dir : path
        The estimator's ``checkpoint_dir``.
    params : list
        :func:`run_params` of the estimator (``random_state`` is read from
        ``random_state``, not from here).
    random_state : int, RandomState or None
        The estimator's ``random_state``.
    data : sequence
        What the fit trains on (arrays, or a stream's fingerprint) and, for a
        warm start, the weights it starts from.
    incremental : bool, default=False
        ``partial_fit``: one directory across calls, written and never resumed.

    Returns
    -------
    dict
        ``{"dir": ..., "fingerprint": ..., "seed": ...}``. Without an int
        ``random_state`` the seed is drawn, or read back from the checkpoints of
        the same fit (so it resumes).

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> d = tempfile.mkdtemp()
    >>> a = checkpoint_plan(d, [("C", "1.0")], 0, [np.zeros(3)])
    >>> b = checkpoint_plan(d, [("C", "2.0")], 0, [np.zeros(3)])
    >>> a["dir"] != b["dir"], a["seed"]
    (True, 0)
    """
    params = [(k, v) for k, v in params if k != "random_state"]
    seeded = isinstance(random_state, (int, np.integer))
    parts = [params, random_state if seeded else None]
    if incremental:
        key = data_fingerprint(*parts, "partial_fit")
    else:
        key = data_fingerprint(*data, *parts)
    directory = os.path.join(os.fspath(checkpoint_dir), key[:16])
    seed = None if incremental else checkpoint_seed(directory, key)
    if seed is None:
        if seeded:
            seed = int(random_state)
        else:
            rng = random_state if random_state is not None else np.random
            seed = int(rng.randint(2**31 - 1))
    return {"dir": directory, "fingerprint": key, "seed": seed}


def report_interrupt(
    name: str,
    n_iter: int,
    directory,
    *,
    where: str = "",
    kept: bool | None = None,
    stacklevel: int = 3,
) -> None:
    """Say once what an interrupted fit left; raise when it left nothing.

    Parameters
    ----------
    name : str
        The estimator's class name.
    n_iter : int
        The epochs finished (of the learner interrupted).
    directory : path or None
        The fit's checkpoint directory (None: the fit cannot be resumed).
    where : str, default=""
        Where the fit stopped, beyond the epoch (e.g. ``" of learner 'rbm1'"``).
    kept : bool, optional
        Whether the fit leaves a consistent model (default: an epoch finished).

    Raises
    ------
    KeyboardInterrupt
        When no consistent model is left: the caller's ``fit_atomically`` then
        leaves the estimator as it was.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     report_interrupt("MLPClassifier", 3, "ckpt")
    >>> print(caught[0].message)
    MLPClassifier interrupted at epoch 3; call fit again with the same checkpoint_dir to resume.
    """  # noqa: E501
    resume = "call fit again with the same checkpoint_dir to resume"
    at = f"at epoch {n_iter}" if n_iter else "in epoch 1"
    if not (n_iter > 0 if kept is None else kept):
        raise KeyboardInterrupt(
            f"{name} interrupted {at}{where}, before any epoch finished; the "
            "estimator is left as it was"
            + ("" if directory is None else f" ({resume})")
            + "."
        )
    hint = (
        resume if directory is not None else "the model keeps the weights of that epoch"
    )
    warnings.warn(
        f"{name} interrupted {at}{where}; {hint}.",
        UserWarning,
        stacklevel=stacklevel,
    )
