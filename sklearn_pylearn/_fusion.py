"""The fusion engine behind :class:`sklearn_pylearn.pipeline.Pipeline`.

A pipeline method (transform, predict, inverse_transform ...) is a list of step calls.
Consecutive calls that can be expressed as graphs (``base.is_symbolic``) form a
*segment*: their graphs are composed into one graph, compiled once through the
structural cache and run as one function. Inside a segment, a run of two or more
affine steps (``_affine_map()`` is not None) is folded into one map, computed once
from the fitted arrays (and, when the segment ends in a predictor that offers
``_affine_head()``, into the predictor's first dense layer as well): a single
``X @ W + b`` when the run holds a dense step (PCA),
one elementwise ``X[:, index] * w + b`` otherwise. Folded arrays enter the graph as
inputs, so every fitted pipeline of one structure shares one compiled function. A
segment whose graph keeps rows apart (``is_rowwise``) runs on blocks of rows written
into one output array.

This module recognises symbolic steps only through ``sklearn_pylearn.base``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import reduce
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
)

from ._config import get_config
from .base import SymbolicMixin, build_graph, finish_output, is_symbolic
from .symbolic.affine import AffineMap
from .symbolic.compile import CompiledFunction, compile_function
from .symbolic.inputs import GraphInputs
from .symbolic.rowwise import is_rowwise, run_in_row_blocks
from .utils._sklearn_compat import wrap_data_with_container
from .utils.validation import (
    float16_compute,
    match_sparse,
    sparse_refused_message,
    validate_float_input,
)

__all__ = [
    "FoldedGroup",
    "FusedSegment",
    "FusionPlan",
    "UnfusedStep",
]

# Errors a compiled function raises on bad runtime shapes or values.
_RUNTIME_ERRORS = (ValueError, IndexError, AssertionError)


class StepCall(NamedTuple):
    """One step of a pipeline method: ``steps[index] = (name, estimator)``."""

    index: int
    name: str
    estimator: Any
    method: str


# ---------------------------------------------------------------- the plan


@dataclass(frozen=True)
class FoldedGroup:
    """Consecutive affine steps folded into one map computed after fit.

    Attributes
    ----------
    steps : tuple of str
        The names of the folded steps, in order.
    kind : {"dense", "elementwise"}
        ``"dense"``: one ``X @ W + b``; ``"elementwise"``: ``X[:, index] * w + b``.
    n_features_in : int or None
    n_features_out : int or None

    Examples
    --------
    >>> print(FoldedGroup(("scale", "pca"), "dense", 100, 50))
    scale + pca folded into X @ W + b (100 -> 50 features)
    """

    steps: tuple[str, ...]
    kind: str
    n_features_in: int | None
    n_features_out: int | None

    def __str__(self) -> str:
        expr = "X @ W + b" if self.kind == "dense" else "X[:, index] * w + b"
        return (
            f"{' + '.join(self.steps)} folded into {expr} "
            f"({self.n_features_in} -> {self.n_features_out} features)"
        )


@dataclass(frozen=True)
class FusedSegment:
    """Consecutive symbolic steps that run as one compiled function.

    Attributes
    ----------
    steps : tuple of str
        The names of the steps, in the order they run.
    methods : tuple of str
        The method each step contributes (``"transform"``, ``"predict"`` ...).
    folded : tuple of FoldedGroup
        The runs of affine steps folded into one map.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.decomposition import PCA
    >>> from sklearn_pylearn.pipeline import make_pipeline
    >>> from sklearn_pylearn.preprocessing import StandardScaler
    >>> X = np.random.RandomState(0).normal(size=(20, 3))
    >>> pipe = make_pipeline(StandardScaler(), PCA(2)).fit(X)
    >>> segment = pipe.fusion_plan().segments[0]
    >>> segment.steps
    ('standardscaler', 'pca')
    >>> text = segment.graph_str()  # one product and one broadcast add
    >>> text.split()[0], text.count("Dot"), len(segment.compiled().input_dtypes)
    ('Add', 1, 3)
    """

    steps: tuple[str, ...]
    methods: tuple[str, ...]
    folded: tuple[FoldedGroup, ...]
    _compile: Callable[[str], CompiledFunction] | None = field(
        default=None, repr=False, compare=False
    )

    def compiled(self, dtype="float64") -> CompiledFunction:
        """Return the segment's compiled function for input of ``dtype``."""
        if self._compile is None:
            raise ValueError("this segment was built without its pipeline.")
        return self._compile(np.dtype(dtype))

    def graph_str(self, dtype="float64") -> str:
        """Return the segment's compiled (optimised) graph as text.

        Parameters
        ----------
        dtype : {"float64", "float32"}, default="float64"
            The input dtype the graph is compiled for.
        """
        return self.compiled(dtype).graph_str()

    def __str__(self) -> str:
        calls = [
            name if method == "transform" else f"{name}.{method}"
            for name, method in zip(self.steps, self.methods)
        ]
        lines = ["fused: " + " -> ".join(calls)]
        lines += [str(group) for group in self.folded]
        return "\n".join(lines)


@dataclass(frozen=True)
class UnfusedStep:
    """A step that runs as it is, between fused segments, and why.

    Examples
    --------
    >>> print(UnfusedStep("impute", "transform", "SimpleImputer builds no graph"))
    unfused: impute.transform (SimpleImputer builds no graph)
    """

    step: str
    method: str
    reason: str

    def __str__(self) -> str:
        return f"unfused: {self.step}.{self.method} ({self.reason})"


@dataclass(frozen=True)
class FusionPlan:
    """How a fitted pipeline runs one of its methods.

    Attributes
    ----------
    method : str
        The pipeline method described.
    fold_affine : bool
        Whether runs of affine steps are folded.
    entries : tuple of FusedSegment and UnfusedStep
        What runs, in order.
    skipped : tuple of str
        Steps set to ``"passthrough"`` or None.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from sklearn_pylearn.pipeline import Pipeline
    >>> from sklearn_pylearn.preprocessing import MinMaxScaler, StandardScaler
    >>> pipe = Pipeline([("scale", StandardScaler()),
    ...                  ("abs", FunctionTransformer(np.abs)),
    ...                  ("skip", "passthrough"),
    ...                  ("rescale", MinMaxScaler())])
    >>> plan = pipe.fit(np.arange(12.0).reshape(4, 3)).fusion_plan()
    >>> [segment.steps for segment in plan.segments]
    [('scale',), ('rescale',)]
    >>> print(plan)
    Pipeline.transform: 2 fused segment(s), 1 unfused step(s), fold_affine=True
      [0] fused: scale
      [1] unfused: abs.transform (FunctionTransformer builds no graph: not a
          sklearn_pylearn symbolic step)
      [2] fused: rescale
      skipped: skip (passthrough)
    """

    method: str
    fold_affine: bool
    entries: tuple[FusedSegment | UnfusedStep, ...]
    skipped: tuple[str, ...] = ()

    @property
    def segments(self) -> tuple[FusedSegment, ...]:
        """The fused segments, in the order they run."""
        return tuple(e for e in self.entries if isinstance(e, FusedSegment))

    @property
    def unfused(self) -> tuple[UnfusedStep, ...]:
        """The steps that run as they are."""
        return tuple(e for e in self.entries if isinstance(e, UnfusedStep))

    def __str__(self) -> str:
        n_seg, n_unf = len(self.segments), len(self.unfused)
        lines = [
            f"Pipeline.{self.method}: {n_seg} fused segment(s), {n_unf} unfused "
            f"step(s), fold_affine={self.fold_affine}"
        ]
        for i, entry in enumerate(self.entries):
            lines.append(f"  [{i}] " + str(entry).replace("\n", "\n      "))
        lines += [f"  skipped: {name} (passthrough)" for name in self.skipped]
        return "\n".join(lines)


# ------------------------------------------------------- grouping and folding


def unfused_reason(call: StepCall, params: dict | None) -> str | None:
    """Return why ``call`` cannot join a fused segment, or None when it can."""
    est, method = call.estimator, call.method
    if not isinstance(est, SymbolicMixin):
        return (
            f"{type(est).__name__} builds no graph: not a sklearn_pylearn symbolic step"
        )
    if not is_symbolic(est, method) or not hasattr(est, method):
        return f"{type(est).__name__} has no symbolic {method}"
    if params:
        return f"it receives metadata {sorted(params)}, which graphs do not take"
    return None


def group_calls(calls, params_of):
    """Split ``calls`` into fused runs and unfused calls.

    Returns a list of ``("fused", [calls])`` and ``("unfused", call, reason)``.
    """
    groups: list[tuple] = []
    for call in calls:
        reason = unfused_reason(call, params_of(call))
        if reason is not None:
            groups.append(("unfused", call, reason))
        elif groups and groups[-1][0] == "fused":
            groups[-1][1].append(call)
        else:
            groups.append(("fused", [call]))
    return groups


@dataclass(frozen=True)
class _Block:
    """Calls that become one piece of a segment's graph."""

    calls: tuple[StepCall, ...]
    affine: AffineMap | None = None
    # True when the last call is a predictor whose first dense layer
    # (``_affine_head()``) was folded into ``affine``: the block's output is then
    # ``estimator._symbolic_from_head(X @ W + b, inputs, method)``.
    head: bool = False


def fold_blocks(calls, fold_affine: bool) -> list[_Block]:
    """Group a segment's calls into graph blocks, folding runs of affine steps."""
    blocks: list[_Block] = []
    run: list[tuple[StepCall, AffineMap]] = []

    def flush():
        if len(run) >= 2:
            blocks.append(_fold(run))
        else:
            blocks.extend(_Block((call,)) for call, _ in run)
        run.clear()

    for call in calls:
        amap = _affine_map(call) if fold_affine else None
        head = _head_map(call) if fold_affine and run else None
        if head is not None:
            blocks.append(replace(_fold([*run, (call, head)]), head=True))
            run.clear()
        elif amap is None:
            flush()
            blocks.append(_Block((call,)))
        else:
            run.append((call, amap))
    flush()
    return blocks


def _as_float_map(amap: AffineMap) -> AffineMap:
    return AffineMap(
        index=None if amap.index is None else np.asarray(amap.index, np.int64),
        weight=None if amap.weight is None else np.asarray(amap.weight, np.float64),
        offset=None if amap.offset is None else np.asarray(amap.offset, np.float64),
    )


def _head_map(call: StepCall) -> AffineMap | None:
    """The predictor's first dense layer, when a run of affine steps can fold in.

    A final predictor offers ``_affine_head()`` (an AffineMap of its first dense
    layer, or None) and ``_symbolic_from_head(Z, inputs, method)`` (the method's
    graph given that layer's output ``Z``).
    """
    if call.method == "transform":
        return None
    amap = call.estimator._affine_head()
    if amap is None or not amap.is_dense:
        return None
    return _as_float_map(amap)


def _affine_map(call: StepCall) -> AffineMap | None:
    if call.method != "transform":
        return None
    amap = call.estimator._affine_map()
    if amap is None:
        return None
    return _as_float_map(amap)


def _fold(run) -> _Block:
    calls = tuple(call for call, _ in run)
    try:
        amap = reduce(AffineMap.then, (m for _, m in run))
    except ValueError as exc:
        names = " + ".join(call.name for call in calls)
        raise ValueError(
            f"cannot fold the affine steps {names} into one map ({exc}): their "
            "fitted arrays do not chain. Refit the pipeline."
        ) from exc
    if amap.is_dense and amap.index is not None:
        # Scatter the selection into W's rows: one gemm reads X in place instead of
        # first gathering its selected columns into a copy.
        n_in = calls[0].estimator.n_features_in_
        weight = np.zeros((n_in, amap.weight.shape[1]))
        np.add.at(weight, amap.index, amap.weight)
        amap = AffineMap(weight=weight, offset=amap.offset)
    return _Block(calls, amap)


def folded_groups(blocks) -> tuple[FoldedGroup, ...]:
    """Describe the folded blocks of a segment for the plan."""
    groups = []
    for block in blocks:
        if block.affine is None:
            continue
        amap = block.affine
        n_in = getattr(block.calls[0].estimator, "n_features_in_", None)
        if amap.is_dense:
            kind, n_out = "dense", amap.weight.shape[1]
        else:
            kind = "elementwise"
            n_out = n_in if amap.index is None else len(amap.index)
        names = tuple(call.name for call in block.calls)
        if block.head:
            names = names[:-1] + (f"{names[-1]} (first layer)",)
        groups.append(FoldedGroup(names, kind, n_in, n_out))
    return tuple(groups)


# ------------------------------------------------------------- checking steps


def check_segment(calls) -> None:
    """Raise when a step of the segment is not fitted or widths do not chain."""
    for call in calls:
        try:
            check_is_fitted(call.estimator)
        except NotFittedError as exc:
            raise NotFittedError(f"Pipeline step {call.name!r}: {exc}") from exc
    for prev, call in zip(calls, calls[1:]):
        produced = _width(prev, "out")
        expected = _width(call, "in")
        if None not in (produced, expected) and produced != expected:
            raise ValueError(
                f"Pipeline step {call.name!r} ({type(call.estimator).__name__}) "
                f"expects {expected} features in {call.method}, but the step before "
                f"it, {prev.name!r}, outputs {produced}: the steps were fitted "
                "separately or changed after fit. Refit the pipeline."
            )


def _width(call: StepCall, side: str) -> int | None:
    """Features a call takes (``side="in"``) or returns (``"out"``), if known."""
    est = call.estimator
    input_space = (call.method == "inverse_transform") == (side == "out")
    try:
        if input_space:
            return int(est.n_features_in_)
        return len(est.get_feature_names_out())
    except Exception:  # unknown widths are checked by the graph at run time
        return None


# -------------------------------------------------------- building and caching


@dataclass(eq=False)
class SegmentFunction:
    """A segment compiled for one dtype, with the arrays that feed its inputs."""

    fn: CompiledFunction
    values: tuple
    blocks: list
    snapshot: tuple
    rowwise: bool = False
    # True when the segment is one folded X @ W + b reading every column of X: a
    # NaN or inf anywhere in X then makes its row of the output non-finite
    # (NaN * w, inf * 0 and inf - inf are NaN), so checking the output, which is
    # cheaper, tells whether X was finite.
    output_reveals_nonfinite: bool = False

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """Run on ``X``; a row-wise graph runs on blocks of rows.

        Blocks keep each intermediate and each output the graph allocates small
        (reused memory rather than fresh pages), and the result goes into one array
        allocated by NumPy: peak memory is the output plus one block.
        """
        if not self.rowwise:
            return self.fn(X, *self.values)
        return run_in_row_blocks(self.fn, X, self.values)


def check_sparse_chain(calls) -> None:
    """Raise the error of the first step that cannot take the sparse matrix it
    would receive (each step says whether its output stays sparse)."""
    for call in calls:
        accept = getattr(call.estimator, "_sparse_output", None)
        if accept is None:
            raise TypeError(
                f"Pipeline step {call.name!r}: {sparse_refused_message(call.estimator)}"
            )
        if not accept(call.method):
            return


def build_segment(calls, dtype, fold_affine: bool, format=None) -> SegmentFunction:
    """Compose the calls' graphs into one graph and compile it (cached).

    ``format`` ("csr") compiles for a sparse input matrix.
    """
    check_segment(calls)
    if format is not None:
        check_sparse_chain(calls)
    blocks = fold_blocks(calls, fold_affine)
    inputs = GraphInputs(dtype)
    X = inputs.placeholder("X", 2, format=format)
    out = compose_blocks(blocks, X, inputs)
    names = "->".join(call.name for call in calls)
    fn = compile_function(
        inputs.variables, out, name=f"Pipeline[{names}].{calls[-1].method}"
    )
    return SegmentFunction(
        fn,
        tuple(inputs.values[1:]),
        blocks,
        snapshot(calls),
        rowwise=is_rowwise(X, inputs.variables, out),
        output_reveals_nonfinite=_single_dense_fold(blocks),
    )


def compose_blocks(blocks, X, inputs):
    """The graph of a segment's blocks applied to ``X``, in order."""
    out = X
    for block in blocks:
        if block.head:
            call = block.calls[-1]
            out = block.affine.symbolic(out, inputs)
            out = call.estimator._symbolic_from_head(out, inputs, call.method)
        elif block.affine is not None:
            out = block.affine.symbolic(out, inputs)
        else:
            call = block.calls[0]
            out = build_graph(call.estimator, out, inputs, call.method)
    return out


def compute_outputs(calls, final_call, X, y, outputs, fold_affine: bool):
    """``final.compute(...)`` on the output of the symbolic ``calls``, as ONE graph.

    The transforms of ``calls`` (a fused segment, possibly empty) and the named
    outputs of the final step (a fitted ``NamedOutputsMixin`` learner, in
    ``final_call``) are composed into one graph, compiled through the structural
    cache; returns compute's DataFrame.
    """
    final = final_call.estimator
    check_is_fitted(final)
    names = final._check_output_names(outputs, y)
    first = calls[0].estimator if calls else final
    if calls:
        check_segment(calls)
    X_arr = validate_float_input(first, X, reset=False, copy=False)
    X_arr, _ = float16_compute(X_arr, [*(call.estimator for call in calls), final])
    inputs = GraphInputs(X_arr.dtype)
    X_sym = inputs.placeholder("X", 2, format=getattr(X_arr, "format", None))
    if sp.issparse(X_arr):
        check_sparse_chain([*calls, final_call])
    out = compose_blocks(fold_blocks(calls, fold_affine), X_sym, inputs)
    y_sym = None
    if y is not None:
        check_consistent_length(X_arr, y)
        y_sym = inputs.data("y", final._encode_target(y, X_arr.dtype))
    exprs = final._build_outputs(out, y_sym, inputs, names)
    steps = "->".join([call.name for call in calls] + [type(final).__name__])
    fn = compile_function(
        inputs.variables,
        [exprs[name] for name in names],
        name=f"Pipeline[{steps}].compute({', '.join(names)})",
    )
    values = fn(X_arr, *inputs.values[1:])
    return final._as_frame(X, names, values)


def _single_dense_fold(blocks) -> bool:
    if len(blocks) != 1 or blocks[0].head or blocks[0].affine is None:
        return False
    amap = blocks[0].affine
    return amap.is_dense and amap.index is None


def snapshot(calls) -> tuple:
    """The identity of each step and of each of its attributes.

    Refitting or ``set_params`` rebinds attributes, so a snapshot that still matches
    means the fitted state a cached segment was built from is unchanged. Holding the
    attribute objects keeps their ids from being reused.
    """
    return tuple((c.estimator, tuple(vars(c.estimator).items())) for c in calls)


def same_snapshot(a: tuple, b: tuple) -> bool:
    """True when two snapshots hold the same objects."""
    if len(a) != len(b):
        return False
    for (est_a, items_a), (est_b, items_b) in zip(a, b):
        if est_a is not est_b or len(items_a) != len(items_b):
            return False
        for (key_a, val_a), (key_b, val_b) in zip(items_a, items_b):
            if key_a != key_b or val_a is not val_b:
                return False
    return True


def segment_function(
    cache: dict, calls, dtype, fold_affine, format=None
) -> SegmentFunction:
    """Return the cached segment function, rebuilding it when a step changed."""
    dtype = np.dtype(dtype)
    mode = get_config()["compile_mode"]
    key = (
        tuple((c.index, c.method) for c in calls),
        dtype.str,
        fold_affine,
        mode,
        format,
    )
    entry = cache.get(key)
    if entry is None or not same_snapshot(entry.snapshot, snapshot(calls)):
        entry = cache[key] = build_segment(calls, dtype, fold_affine, format)
    return entry


def run_segment(cache: dict, calls, X, fold_affine: bool):
    """Validate ``X`` at the segment's first step and run the segment.

    A sparse ``X`` (when the first step takes it) runs through a graph compiled for
    a CSR input; float16 runs as ``float16_compute`` says for the segment's steps.
    """
    first, last = calls[0], calls[-1]
    if first.method == "inverse_transform":
        X_arr = first.estimator._check_output_space(X, "inverse_transform")
    else:
        X_arr = validate_float_input(
            first.estimator, X, reset=False, copy=False, ensure_all_finite=False
        )
    X_arr, out_dtype = float16_compute(X_arr, [call.estimator for call in calls])
    format = X_arr.format if sp.issparse(X_arr) else None
    entry = segment_function(cache, calls, X_arr.dtype, fold_affine, format)
    if first.method != "inverse_transform" and not entry.output_reveals_nonfinite:
        _check_finite(first.estimator, X_arr)
    try:
        out = entry(X_arr)
    except _RUNTIME_ERRORS as exc:
        names = " -> ".join(call.name for call in calls)
        raise ValueError(
            f"the fused segment {names} ({last.method}) failed on input of shape "
            f"{X_arr.shape}: {exc}"
        ) from exc
    if entry.output_reveals_nonfinite and not np.isfinite(np.sum(out)):
        _check_finite(first.estimator, X_arr)  # raises when X itself was not finite
    if out_dtype is not None:
        out = out.astype(out_dtype)
    out = match_sparse(out, X)
    if last.method == "transform":
        out = wrap_data_with_container("transform", out, X, last.estimator)
    return finish_output(last.estimator, last.method, out)


def _check_finite(estimator, X):
    """scikit-learn's NaN / inf error for ``X`` (honours ``assume_finite``)."""
    check_array(
        X,
        accept_sparse=True,
        dtype=None,
        ensure_all_finite=True,
        estimator=estimator,
        input_name="X",
    )


def describe_segment(cache: dict, calls, fold_affine: bool) -> FusedSegment:
    """The plan entry of a segment; its graph compiles on request."""
    check_segment(calls)
    blocks = fold_blocks(calls, fold_affine)

    def compile_for(dtype):
        return segment_function(cache, calls, dtype, fold_affine).fn

    return FusedSegment(
        steps=tuple(call.name for call in calls),
        methods=tuple(call.method for call in calls),
        folded=folded_groups(blocks),
        _compile=compile_for,
    )
