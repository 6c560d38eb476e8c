"""Warm-up: compile, once per machine, the graphs a typical session uses.

Numba compiles each op kernel once per machine (PyTensor keeps them on disk under
its compile directory) and each new graph structure's top-level function once per
process. :func:`warmup` fits every public estimator with its default settings on a
tiny dataset, in float64 and float32 (each solver and activation, binary and
multiclass targets, a fused pipeline), so a user's first real fit finds the kernels
on disk. Every shape is symbolic, so an estimator of other sizes (another number of
features, hidden units, classes or rows) reuses what the warm-up compiled.

Families register their own jobs with :func:`register_warmup`; the list is the
registry, so a new estimator adds one job to ``experiment/_warmup_jobs.py``
(or from its own code, for estimators outside this package).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from ..symbolic.compile import compile_stats, quiet_slow_compile_notice

__all__ = [
    "WarmupResult",
    "register_warmup",
    "unregister_warmup",
    "warmup",
    "warmup_jobs",
]

DTYPES = ("float64", "float32")
_REGISTRY: dict[str, Callable[[str], None]] = {}


@dataclass(frozen=True)
class WarmupResult:
    """What one warm-up job compiled.

    Attributes
    ----------
    name : str
        The job's registered name.
    dtype : str
        ``"float64"`` or ``"float32"``.
    compiles : int
        Graphs compiled (structures this process had not seen).
    seconds : float
        Wall time of the job.
    """

    name: str
    dtype: str
    compiles: int
    seconds: float


def register_warmup(name: str) -> Callable:
    """Register ``fn(dtype)`` as a warm-up job under ``name``; returns ``fn``.

    Parameters
    ----------
    name : str
        A short label shown in the report (``"MLPClassifier(logistic)"``).

    Returns
    -------
    decorator : callable

    Examples
    --------
    >>> @register_warmup("example")
    ... def _example(dtype):
    ...     pass
    >>> "example" in warmup_jobs()
    True
    >>> unregister_warmup("example")
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"register_warmup: name must be a non-empty str, got {name!r}.")

    def decorator(fn: Callable[[str], None]) -> Callable[[str], None]:
        _REGISTRY[name] = fn
        return fn

    return decorator


def unregister_warmup(name: str) -> None:
    """Remove the warm-up job registered under ``name``.

    Examples
    --------
    >>> register_warmup("temporary")(print) is print
    True
    >>> unregister_warmup("temporary")
    >>> "temporary" in warmup_jobs()
    False
    """
    if name not in _REGISTRY:
        raise KeyError(f"unregister_warmup: no job named {name!r}.")
    del _REGISTRY[name]


def warmup_jobs() -> list[str]:
    """Names of the registered warm-up jobs, in run order.

    Examples
    --------
    >>> "MLPClassifier(relu, adam)" in warmup_jobs()
    True
    """
    _load_default_jobs()
    return list(_REGISTRY)


def warmup(
    jobs: Iterable[str] | None = None,
    dtypes: Iterable[str] = DTYPES,
    progress: bool = True,
    out: Callable[[str], None] | None = print,
) -> list[WarmupResult]:
    """Run the warm-up jobs in each dtype; report what compiled and how long it took.

    Parameters
    ----------
    jobs : iterable of str, optional
        Job names (see :func:`warmup_jobs`); all by default.
    dtypes : iterable of str, default ("float64", "float32")
    progress : bool, default True
        Show a progress bar (tqdm) on stderr.
    out : callable or None, default print
        Receives the summary lines; None prints nothing.

    Returns
    -------
    results : list of WarmupResult

    Examples
    --------
    >>> results = warmup(["StandardScaler"], ["float64"], progress=False, out=None)
    >>> [(r.name, r.dtype) for r in results]
    [('StandardScaler', 'float64')]
    """
    known = warmup_jobs()  # loads the default jobs on first use
    names = known if jobs is None else list(jobs)
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ValueError(f"warmup: unknown jobs {unknown!r}; choose among {known!r}.")
    tasks = [(name, dtype) for dtype in dtypes for name in names]
    start = time.perf_counter()
    results = [_run(name, dtype) for name, dtype in _progress(tasks, progress)]
    if out is not None:
        for line in summary(results, time.perf_counter() - start):
            out(line)
    return results


def _run(name: str, dtype: str) -> WarmupResult:
    before = compile_stats()["compiles"]
    start = time.perf_counter()
    with warnings.catch_warnings(), quiet_slow_compile_notice():
        warnings.simplefilter("ignore")
        _REGISTRY[name](dtype)
    return WarmupResult(
        name, dtype, compile_stats()["compiles"] - before, time.perf_counter() - start
    )


def _progress(tasks, enabled):
    if not enabled:
        return tasks
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency of the extras
        return tasks
    bar = tqdm(tasks, desc="warm-up", unit="job")

    def labelled():
        for name, dtype in bar:
            bar.set_postfix_str(f"{name} {dtype}")
            yield name, dtype

    return labelled()


def summary(results: list[WarmupResult], seconds: float) -> list[str]:
    """Lines reporting each job's compiles and time, slowest first.

    Examples
    --------
    >>> summary([WarmupResult("PCA", "float64", 2, 1.5)], 1.5)[-1]
    '  PCA                                float64    2 graphs    1.5 s'
    """
    total = sum(r.compiles for r in results)
    lines = [
        f"warm-up: {len(results)} jobs, {total} graphs compiled in {seconds:.1f} s; "
        "later sessions on this machine reuse the compiled kernels."
    ]
    for r in sorted(results, key=lambda r: -r.seconds):
        lines.append(
            f"  {r.name:<34} {r.dtype:<8} {r.compiles:>3} graphs {r.seconds:>6.1f} s"
        )
    return lines


def _data(dtype: str, n_classes: int = 3, n_samples: int = 40, n_features: int = 6):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_samples, n_features)).astype(dtype)
    y = np.arange(n_samples) % n_classes
    return X, y


def _load_default_jobs() -> None:
    from . import _warmup_jobs  # noqa: F401  (registers on import)
