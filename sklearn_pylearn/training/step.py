"""The compiled training step: one functional update of parameters and optimiser."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytensor
import pytensor.tensor as pt

from ..symbolic.compile import (
    CompiledFunction,
    compile_function,
    current_mode_key,
    is_cached,
)
from ..symbolic.inputs import placeholder
from ..symbolic.updates import adam, sgd

__all__ = ["SOLVER_HYPER", "TrainStep", "compile_step"]

# The optimiser's scalar hyper-parameters, inputs of the compiled step.
SOLVER_HYPER = {"sgd": ("momentum",), "adam": ("beta_1", "beta_2", "epsilon")}
# Why a memo beside the compile cache: that cache is keyed by the built graph, and
# building the step's graph and gradient costs 0.1-0.2 s per fit (each partial_fit).
_STEPS: dict = {}


class TrainStep:
    """A compiled training step and the layout of its inputs.

    Call it with ``(params, state, X, Y, sample_weight, learning_rate,
    hyper, solver_params, t)``; it returns ``(new_params, new_state, loss)``.
    Built by :func:`compile_step`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.training import compile_step
    >>> def objective(params, X, Y, sw, hyper):
    ...     loss = ((X @ params[0] - Y) ** 2).sum(axis=1).mean()
    ...     return loss, loss
    >>> step = compile_step([np.zeros((2, 1))], objective, solver="sgd")
    >>> params, state = [np.zeros((2, 1))], step.init_state([np.zeros((2, 1))])
    >>> new_p, new_s, loss = step(params, state, np.ones((4, 2)), np.ones((4, 1)),
    ...                           np.ones(4), 0.1, {}, {"momentum": 0.0}, 1)
    >>> float(loss), new_p[0].ravel().tolist()
    (1.0, [0.2, 0.2])
    """

    def __init__(self, fn, n_params, solver, hyper_names, param_dtype):
        self.fn: CompiledFunction = fn
        self.n_params = n_params
        self.solver = solver
        self.hyper_names = tuple(hyper_names)
        self.dtype = param_dtype

    def init_state(self, params: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Zero optimiser state: velocities (sgd) or first and second moments."""
        copies = 1 if self.solver == "sgd" else 2
        return [np.zeros_like(p) for _ in range(copies) for p in params]

    def __call__(self, params, state, X, Y, sw, learning_rate, hyper, solver_params, t):
        extra = [hyper[name] for name in self.hyper_names]
        extra += [solver_params[name] for name in SOLVER_HYPER[self.solver]]
        out = self.fn(*params, *state, X, Y, sw, learning_rate, t, *extra)
        n = self.n_params
        return out[:n], out[n:-1], out[-1]


def compile_step(
    params: Sequence[np.ndarray],
    objective: Callable,
    *,
    solver: str = "sgd",
    nesterov: bool = False,
    y_ndim: int = 2,
    hyper_names: Sequence[str] = (),
    name: str = "train_step",
    key=None,
) -> TrainStep:
    """Build and compile (through the structural cache) one training step.

    The step is compiled with ``trust_input=True``: parameters and optimiser state
    come back from the previous step with the graph's types, so only the
    minibatch and the scalars are converted on each call.

    Parameters
    ----------
    params : sequence of ndarray
        Parameter templates (their ndim and dtype fix the graph's input types).
    objective : callable
        ``objective(params, X, Y, sample_weight, hyper) -> (objective, loss)``
        with symbolic arguments (``hyper``: name -> scalar); ``objective`` is
        differentiated, ``loss`` is reported.
    solver : {"sgd", "adam"}
        scikit-learn's SGDOptimizer (momentum, Nesterov) or AdamOptimizer.
    nesterov : bool
        Nesterov momentum (sgd); a structural choice.
    y_ndim : int
        1 or 2: the target's ndim.
    hyper_names : sequence of str
        The objective's scalar hyper-parameters (e.g. ``("alpha",)``).
    name : str
    key : hashable, optional
        Names the objective's structure (e.g. ``("mlp", "relu", "softmax", 2)``):
        a step built before with the same key, the same other arguments and the
        same compile mode is reused without building its graph again, for as
        long as its function is in the compile cache.

    Returns
    -------
    TrainStep

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.training import compile_step
    >>> compile_step([np.zeros(2)], None, solver="rmsprop")
    Traceback (most recent call last):
    ...
    ValueError: compile_step: solver must be 'sgd' or 'adam', got 'rmsprop'.
    """
    if solver not in SOLVER_HYPER:
        raise ValueError(
            f"compile_step: solver must be 'sgd' or 'adam', got {solver!r}."
        )
    dtype = np.dtype(params[0].dtype).name
    memo_key = None
    if key is not None:
        memo_key = (
            key,
            solver,
            bool(nesterov),
            y_ndim,
            tuple(hyper_names),
            dtype,
            tuple(np.ndim(p) for p in params),
            current_mode_key(),
        )
        step = _STEPS.get(memo_key)
        if step is not None and is_cached(step.fn):
            return step
    p_syms = [placeholder(f"p{i}", np.ndim(p), dtype) for i, p in enumerate(params)]
    copies = 1 if solver == "sgd" else 2
    s_syms = [
        placeholder(f"s{i}", np.ndim(p), dtype)
        for _ in range(copies)
        for i, p in enumerate(params)
    ]
    X, Y, sw = (placeholder(*a, dtype) for a in (("X", 2), ("Y", y_ndim), ("sw", 1)))
    lr, t = placeholder("learning_rate", 0, dtype), placeholder("t", 0, dtype)
    hyper = {h: placeholder(h, 0, dtype) for h in hyper_names}
    solver_syms = {h: placeholder(h, 0, dtype) for h in SOLVER_HYPER[solver]}
    obj, loss = objective(p_syms, X, Y, sw, hyper)
    new_p, new_s = _update(solver, nesterov, p_syms, s_syms, obj, lr, t, solver_syms)
    inputs = [*p_syms, *s_syms, X, Y, sw, lr, t, *hyper.values(), *solver_syms.values()]
    outputs = [*new_p, *new_s, pt.cast(loss, dtype)]
    fn = compile_function(inputs, outputs, name=name, trust_input=True)
    step = TrainStep(fn, len(params), solver, hyper_names, dtype)
    if memo_key is not None:
        _STEPS[memo_key] = step
    return step


def _update(solver, nesterov, p_syms, s_syms, obj, lr, t, solver_syms):
    grads = pytensor.grad(obj, p_syms)
    if solver == "sgd":
        return sgd(p_syms, grads, s_syms, lr, solver_syms["momentum"], nesterov)
    k = len(p_syms)
    new_p, new_m, new_v = adam(
        p_syms,
        grads,
        s_syms[:k],
        s_syms[k:],
        t,
        lr,
        solver_syms["beta_1"],
        solver_syms["beta_2"],
        solver_syms["epsilon"],
    )
    return new_p, new_m + new_v
