"""A scikit-learn Pipeline whose consecutive symbolic steps run as one compiled
function, with chains of affine steps folded into one matrix product.

The seed's "Theano-like data flow": feature selection, a PCA projection and a
rescaling are one symbolic graph, compiled once. :class:`Pipeline` subclasses
scikit-learn's, so everything it does still works (``step__param`` routing, slicing,
``memory``, ``set_output``, metadata routing, ``clone``, joblib); only the way the
fitted steps run changes. Steps are recognised as symbolic through
``sklearn_pylearn.base`` alone; any other transformer runs as it is between fused
segments.
"""

import functools
import warnings
from contextlib import nullcontext

from sklearn import pipeline as sk_pipeline
from sklearn.base import clone
from sklearn.utils.metadata_routing import process_routing
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, check_memory

from ._fusion import (
    FoldedGroup,
    FusedSegment,
    FusionPlan,
    StepCall,
    UnfusedStep,
    compute_outputs,
    describe_segment,
    group_calls,
    run_segment,
)
from .base import is_symbolic
from .data import DatasetMethodsMixin, MappedStream
from .utils._sklearn_compat import (
    final_estimator_has,
    name_estimators,
    print_elapsed_time,
    raise_for_params,
    routing_enabled,
)

__all__ = [
    "FoldedGroup",
    "FusedSegment",
    "FusionPlan",
    "Pipeline",
    "UnfusedStep",
    "fuse",
    "make_pipeline",
]

_PREDICT_METHODS = (
    "predict",
    "predict_proba",
    "predict_log_proba",
    "decision_function",
    "score_samples",
)


def _no_params(call):
    return None


class Pipeline(DatasetMethodsMixin, sk_pipeline.Pipeline):
    """A sequence of transformers and a final estimator whose consecutive symbolic
    steps run as one compiled function.

    The same estimator as :class:`sklearn.pipeline.Pipeline`, with the same
    parameters, methods, routing and errors. ``transform``, ``predict``,
    ``predict_proba``, ``predict_log_proba``, ``decision_function``,
    ``score_samples``, ``score`` and ``inverse_transform`` group each maximal run of
    consecutive fitted symbolic steps (the estimators of ``sklearn_pylearn``) into
    one graph, compiled once through the structural compile cache and run as one
    function: no intermediate output of a fused step is kept, and a segment whose
    graph keeps rows apart runs on blocks of rows into one output array, so peak
    memory stays at about input plus output. Any other step
    (scikit-learn transformers, ``FunctionTransformer``, ``ColumnTransformer``) runs
    as it is between fused segments; ``"passthrough"`` and None steps are skipped.
    ``fit`` computes the input of each step with the fused function of the fitted
    steps before it. See :meth:`fusion_plan` for what fuses and why.

    Parameters
    ----------
    steps : list of tuples
        ``(name, estimator)`` tuples, chained in order; the last estimator may be a
        predictor, a transformer, ``"passthrough"`` or None.
    transform_input : list of str, default=None
        Metadata to pass through the pipeline's transforms before a step's fit
        (metadata routing only), as in scikit-learn.
    memory : str or object with the joblib.Memory interface, default=None
        Caches the fitted transformers, as in scikit-learn.
    verbose : bool, default=False
        Print the time taken to fit each step.
    fold_affine : bool, default=True
        Fold each run of two or more consecutive affine steps (scalers, PCA,
        column selectors) of a fused segment into one map computed once after fit:
        a single ``X @ W + b`` when the run holds a dense step such as PCA, one
        elementwise map otherwise. False composes the steps' own graphs instead.

    Attributes
    ----------
    named_steps : :class:`~sklearn.utils.Bunch`
        The steps by name.
    classes_ : ndarray of shape (n_classes,)
        The class labels, when the last step is a classifier.
    n_features_in_ : int
        Number of features seen by the first step during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen by the first step during fit.

    See Also
    --------
    make_pipeline : Build a Pipeline without naming the steps.
    fuse : Turn a fitted scikit-learn Pipeline into this one, without refitting.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.decomposition import PCA
    >>> from sklearn_pylearn.pipeline import Pipeline
    >>> from sklearn_pylearn.preprocessing import MinMaxScaler, StandardScaler
    >>> X = np.random.RandomState(0).normal(size=(100, 5))
    >>> pipe = Pipeline([("scale", StandardScaler()), ("pca", PCA(2)),
    ...                  ("rescale", MinMaxScaler())]).fit(X)
    >>> pipe.transform(X).shape
    (100, 2)
    >>> print(pipe.fusion_plan())
    Pipeline.transform: 1 fused segment(s), 0 unfused step(s), fold_affine=True
      [0] fused: scale -> pca -> rescale
          scale + pca + rescale folded into X @ W + b (5 -> 2 features)
    """

    _parameter_constraints: dict = {
        **sk_pipeline.Pipeline._parameter_constraints,
        "fold_affine": ["boolean"],
    }

    def __init__(
        self,
        steps,
        *,
        transform_input=None,
        memory=None,
        verbose=False,
        fold_affine=True,
    ):
        super().__init__(
            steps, transform_input=transform_input, memory=memory, verbose=verbose
        )
        self.fold_affine = fold_affine

    # ------------------------------------------------------------ composition

    def set_params(self, **kwargs):
        """Set the parameters of the pipeline or of its steps (``step__param``).

        Drops the fused functions and folded arrays, rebuilt on next use.

        Returns
        -------
        self : Pipeline
        """
        self._fusion_cache = {}
        return super().set_params(**kwargs)

    def __getitem__(self, ind):
        """A step by index or name, or a sub-pipeline (sharing the steps) by slice."""
        if isinstance(ind, slice):
            if ind.step not in (1, None):
                raise ValueError("Pipeline slicing only supports a step of 1")
            return self.__class__(
                self.steps[ind],
                memory=self.memory,
                verbose=self.verbose,
                fold_affine=self.fold_affine,
            )
        return super().__getitem__(ind)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_fusion_cache", None)
        return state

    def _segments(self):
        cache = getattr(self, "_fusion_cache", None)
        if cache is None:
            cache = self._fusion_cache = {}
        return cache

    # ---------------------------------------------------------------- fitting

    def _fit(self, X, y=None, routed_params=None, raw_params=None, callback_ctx=None):
        """Fit every step but the last; return the input of the last step.

        A symbolic step is only fitted: the input of the step after it is computed
        by the fused function of the fitted symbolic steps since the last
        materialised data, so fit sees what transform will compute.
        """
        self.steps = list(self.steps)
        self._validate_steps()
        self._fusion_cache = {}
        memory = check_memory(self.memory)
        fit_step = memory.cache(_fit_step, ignore=["caller", "callback_ctx"])
        base, pending = X, []
        for idx, name, transformer in self._iter(
            with_final=False, filter_passthrough=False
        ):
            ctx = None
            if callback_ctx is not None:
                ctx = callback_ctx.subcontext(task_name=f"fit-transform-{name}")
            if transformer is None or transformer == "passthrough":
                with print_elapsed_time("Pipeline", self._log_message(idx)):
                    _notify(ctx, self, base, y)
                continue
            if hasattr(memory, "location") and memory.location is None:
                cloned = transformer
            else:
                cloned = clone(transformer)
            params = self._get_metadata_for_step(
                step_idx=idx, step_params=routed_params[name], all_params=raw_params
            )
            symbolic = is_symbolic(cloned, "transform") and not params.get("transform")
            Xt, fitted = fit_step(
                cloned,
                self._apply(base, pending),
                y,
                "Pipeline",
                self._log_message(idx),
                params,
                with_output=not symbolic,
                caller=self,
                callback_ctx=ctx,
            )
            self.steps[idx] = (name, fitted)
            if symbolic:
                pending.append(StepCall(idx, name, fitted, "transform"))
            else:
                base, pending = Xt, []
        return self._apply(base, pending)

    def _fit_stream(self, stream):
        """``fit`` on a streamed dataset (``ParquetDataset``, ``DaskDataset``).

        Each step trains on the stream as the fitted steps before it transform
        it, batch by batch (a run of symbolic steps as one fused function): a
        scaler makes one pass, an MLP its epochs. A step that cannot train on a
        stream (PCA, a scikit-learn estimator) says so.
        """
        self.steps = list(self.steps)
        self._validate_steps()
        self._fusion_cache = {}
        current, calls = stream, []
        for idx, name, est in self._iter(with_final=True, filter_passthrough=True):
            if not isinstance(est, DatasetMethodsMixin):
                raise TypeError(
                    f"Pipeline step {name!r} ({type(est).__name__}) cannot train on "
                    f"a streamed {type(stream).__name__}: only this library's "
                    "estimators can. Load the data when it fits in memory: "
                    "pipeline.fit(dataset.to_dataset())."
                )
            est.fit(current)
            if idx == len(self.steps) - 1:
                break
            calls.append(StepCall(idx, name, est, "transform"))
            transform = functools.partial(self._apply, calls=calls[:])
            current = MappedStream(stream, transform)
        return self

    def _apply(self, X, calls):
        return self._run(X, calls, _no_params) if calls else X

    # -------------------------------------------------------------- inference

    def _run(self, X, calls, params_of):
        """Run ``calls`` on ``X``: fused segments compiled, other steps as they are."""
        cache = self._segments()
        for group in group_calls(calls, params_of):
            if group[0] == "fused":
                X = run_segment(cache, group[1], X, self.fold_affine)
            else:
                call = group[1]
                method = getattr(call.estimator, call.method)
                X = method(X, **(params_of(call) or {}))
        return X

    def _calls(self, with_final=True, method="transform"):
        return [
            StepCall(idx, name, est, method)
            for idx, name, est in self._iter(with_final=with_final)
        ]

    def _final_call(self, method):
        name, est = self.steps[-1]
        return StepCall(len(self.steps) - 1, name, est, method)

    def _predict_like(self, method, X, params):
        """Fused transforms, then the final step's ``method`` (fused when it can)."""
        check_is_fitted(self)
        final = self.steps[-1][0]
        if routing_enabled() and method != "score_samples":  # it routes nothing
            routed = process_routing(self, method, **params)
            by_name = {
                name: routed[name].transform
                for _, name, _ in self._iter(with_final=False)
            }
            by_name[final] = routed[final][method]
        else:
            by_name = {final: params}
        calls = self._calls(with_final=False) + [self._final_call(method)]
        return self._run(X, calls, lambda call: by_name.get(call.name))

    @available_if(sk_pipeline.Pipeline._can_transform)
    def transform(self, X, **params):
        """Transform the data with every step, fused segments compiled.

        Parameters
        ----------
        X : iterable
            Data to transform, as the first step takes it.
        **params : dict of str -> object
            Metadata routed to the steps' ``transform`` (metadata routing only);
            a step that receives any runs unfused.

        Returns
        -------
        Xt : ndarray of shape (n_samples, n_transformed_features)
        """
        check_is_fitted(self)
        raise_for_params(params, self, "transform")
        routed = process_routing(self, "transform", **params)
        return self._run(X, self._calls(), lambda call: routed[call.name].transform)

    @available_if(final_estimator_has("predict"))
    def predict(self, X, **params):
        """Transform the data (fused), then ``predict`` with the final estimator.

        Parameters
        ----------
        X : iterable
            Data to predict on, as the first step takes it.
        **params : dict of str -> object
            Parameters of the final ``predict`` (or routed metadata).

        Returns
        -------
        y_pred : ndarray
        """
        return self._predict_like("predict", X, params)

    @available_if(final_estimator_has("predict_proba"))
    def predict_proba(self, X, **params):
        """Transform the data (fused), then ``predict_proba`` with the final step.

        Returns
        -------
        y_proba : ndarray of shape (n_samples, n_classes)
        """
        return self._predict_like("predict_proba", X, params)

    @available_if(final_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X, **params):
        """Transform the data (fused), then ``predict_log_proba`` with the final step.

        Returns
        -------
        y_log_proba : ndarray of shape (n_samples, n_classes)
        """
        return self._predict_like("predict_log_proba", X, params)

    @available_if(final_estimator_has("decision_function"))
    def decision_function(self, X, **params):
        """Transform the data (fused), then ``decision_function`` with the final step.

        Returns
        -------
        y_score : ndarray of shape (n_samples, n_classes)
        """
        raise_for_params(params, self, "decision_function")
        return self._predict_like("decision_function", X, params)

    @available_if(final_estimator_has("score_samples"))
    def score_samples(self, X):
        """Transform the data (fused), then ``score_samples`` with the final step.

        Returns
        -------
        y_score : ndarray of shape (n_samples,)
        """
        return self._predict_like("score_samples", X, {})

    @available_if(final_estimator_has("score"))
    def score(self, X, y=None, sample_weight=None, **params):
        """Transform the data (fused), then ``score`` with the final estimator.

        Parameters
        ----------
        X : iterable
        y : iterable, default=None
        sample_weight : array-like, default=None
            Passed to the final estimator's ``score`` when given.
        **params : dict of str -> object
            Routed metadata (metadata routing only).

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        final_name, final = self.steps[-1]
        calls = self._calls(with_final=False)
        if not routing_enabled():
            Xt = self._run(X, calls, _no_params)
            extra = {} if sample_weight is None else {"sample_weight": sample_weight}
            return final.score(Xt, y, **extra)
        routed = process_routing(self, "score", sample_weight=sample_weight, **params)
        Xt = self._run(X, calls, lambda call: routed[call.name].transform)
        return final.score(Xt, y, **routed[final_name].score)

    @available_if(sk_pipeline.Pipeline._can_inverse_transform)
    def inverse_transform(self, X, **params):
        """Undo every step in reverse order, fused segments compiled.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        raise_for_params(params, self, "inverse_transform")
        routed = process_routing(self, "inverse_transform", **params)
        calls = [
            StepCall(idx, name, est, "inverse_transform")
            for idx, name, est in reversed(list(self._iter()))
        ]
        return self._run(X, calls, lambda call: routed[call.name].inverse_transform)

    @available_if(final_estimator_has("compute"))
    def compute(self, X, y=None, outputs=("prediction",)):
        """Named per-sample outputs of the final step, fused with the steps before.

        The final step's ``compute`` (a learner of this library) and the run of
        symbolic steps just before it are ONE compiled graph; earlier steps (up to
        the last non-symbolic one) run as in ``transform``.

        Parameters
        ----------
        X : iterable
            Data as the first step takes it.
        y : array-like, default=None
            Needed by outputs that compare with the truth (``nll`` ...).
        outputs : str or sequence of str, default=("prediction",)
            Output names, as the final step's ``compute`` takes them.

        Returns
        -------
        DataFrame
            As the final step's ``compute`` returns it, indexed like ``X`` when
            ``X`` is a DataFrame.
        """
        check_is_fitted(self)
        groups = group_calls(self._calls(with_final=False), _no_params)
        tail = groups.pop()[1] if groups and groups[-1][0] == "fused" else []
        Xt = self._run(X, [c for g in groups for c in _group_calls_of(g)], _no_params)
        final = self._final_call("compute")
        frame = compute_outputs(tail, final, Xt, y, outputs, self.fold_affine)
        if hasattr(X, "columns") and hasattr(X, "index"):
            frame.index = X.index
        return frame

    # ------------------------------------------------------------------- plan

    def fusion_plan(self, method=None):
        """Describe how the fitted pipeline runs ``method``.

        Parameters
        ----------
        method : str, default=None
            ``"transform"``, ``"inverse_transform"``, ``"predict"``,
            ``"predict_proba"``, ``"predict_log_proba"``, ``"decision_function"``,
            ``"score_samples"`` or ``"score"``. None describes the pipeline's
            last method: ``"transform"`` when its final step transforms,
            otherwise ``"predict"`` (or the first of the prediction methods its
            final step has).

        Returns
        -------
        plan : FusionPlan
            The fused segments (with their folded steps) and the unfused steps with
            the reason, in the order they run. ``plan.segments[i].graph_str()``
            prints a segment's compiled graph.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.linear_model import LogisticRegression
        >>> from sklearn_pylearn.pipeline import make_pipeline
        >>> from sklearn_pylearn.preprocessing import StandardScaler
        >>> X, y = np.arange(20.0).reshape(10, 2), [0] * 5 + [1] * 5
        >>> pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
        >>> print(pipe.fusion_plan("predict"))
        Pipeline.predict: 1 fused segment(s), 1 unfused step(s), fold_affine=True
          [0] fused: standardscaler
          [1] unfused: logisticregression.predict (LogisticRegression builds no
              graph: not a sklearn_pylearn symbolic step)
        """
        check_is_fitted(self)
        if method is None:
            method = self._default_plan_method()
        calls = self._plan_calls(method)
        cache = self._segments()
        entries = []
        for group in group_calls(calls, _no_params):
            if group[0] == "fused":
                entries.append(describe_segment(cache, group[1], self.fold_affine))
            else:
                entries.append(UnfusedStep(group[1].name, group[1].method, group[2]))
        skipped = tuple(
            name
            for _, name, est in self._iter(filter_passthrough=False)
            if est is None or est == "passthrough"
        )
        return FusionPlan(method, self.fold_affine, tuple(entries), skipped)

    def _default_plan_method(self):
        if self._can_transform():
            return "transform"
        final = self._final_estimator
        for name in _PREDICT_METHODS:
            if hasattr(final, name):
                return name
        raise ValueError(
            f"Pipeline.fusion_plan: the final step {self.steps[-1][0]!r} neither "
            "transforms nor predicts; pass the method, e.g. fusion_plan('score')."
        )

    def _plan_calls(self, method):
        available = {
            "transform": self._can_transform,
            "inverse_transform": self._can_inverse_transform,
        }
        for name in (*_PREDICT_METHODS, "score"):
            available[name] = lambda name=name: hasattr(self._final_estimator, name)
        if method not in available:
            raise ValueError(
                f"Pipeline.fusion_plan: method must be one of {sorted(available)}, "
                f"got {method!r}."
            )
        if not available[method]():
            raise ValueError(
                f"Pipeline.fusion_plan: this pipeline has no {method!r}: its final "
                f"step {self.steps[-1][0]!r} does not implement it."
            )
        if method == "transform":
            return self._calls()
        if method == "inverse_transform":
            return [
                StepCall(idx, name, est, method)
                for idx, name, est in reversed(list(self._iter()))
            ]
        return self._calls(with_final=False) + [self._final_call(method)]


def _counterparts():
    from .utils.discovery import all_estimators

    found = {}
    for _, cls in all_estimators():
        if not hasattr(cls, "_has_symbolic"):  # only symbolic steps fuse
            continue
        for base in cls.__mro__[1:]:
            if base.__module__.startswith("sklearn.") and base.__name__ == cls.__name__:
                found[base] = cls
    return found


def _swap_steps(steps):
    """Swap exact scikit-learn steps for this library's counterparts.

    Returns the new steps and ``(name, class name)`` of each swapped one.
    """
    counterparts = _counterparts()
    new_steps, swapped = [], []
    for name, est in steps:
        cls = counterparts.get(type(est))
        if cls is not None:
            twin = cls.__new__(cls)
            twin.__dict__.update(vars(est))
            new_steps.append((name, twin))
            swapped.append((name, cls.__name__))
        else:
            new_steps.append((name, est))
    return new_steps, swapped


def _fusible(est):
    methods = ("transform", *_PREDICT_METHODS)
    return any(is_symbolic(est, method) for method in methods)


def _group_calls_of(group):
    return group[1] if group[0] == "fused" else [group[1]]


def _notify(ctx, caller, X, y):
    if ctx is not None:
        ctx.call_on_fit_task_begin(estimator=caller, X=X, y=y)
        ctx.call_on_fit_task_end(estimator=caller, X=X, y=y)


def _fit_step(
    transformer,
    X,
    y,
    message_clsname="",
    message=None,
    params=None,
    *,
    with_output=True,
    caller=None,
    callback_ctx=None,
):
    """Fit one step; return ``(output or None, fitted step)``.

    ``with_output=False`` (a symbolic step) only fits: its output is computed
    later by the fused function of the steps. Cached by ``memory`` in ``_fit``.
    """
    params = params or {}
    scope = (
        nullcontext()
        if callback_ctx is None
        else callback_ctx.propagate_callback_context(transformer)
    )
    with scope:
        if callback_ctx is not None:
            callback_ctx.call_on_fit_task_begin(estimator=caller, X=X, y=y)
        with print_elapsed_time(message_clsname, message):
            if not with_output:
                # fit_transform's routed metadata is fit's (TransformerMixin).
                has_ft = hasattr(transformer, "fit_transform")
                key = "fit_transform" if has_ft else "fit"
                transformer.fit(X, y, **params.get(key, {}))
                Xt = None
            elif hasattr(transformer, "fit_transform"):
                Xt = transformer.fit_transform(X, y, **params.get("fit_transform", {}))
            else:
                Xt = transformer.fit(X, y, **params.get("fit", {})).transform(
                    X, **params.get("transform", {})
                )
        if callback_ctx is not None:
            callback_ctx.call_on_fit_task_end(
                estimator=caller, X=X if Xt is None else Xt, y=y
            )
    return Xt, transformer


def make_pipeline(
    *steps, memory=None, transform_input=None, verbose=False, fold_affine=True
):
    """Construct a fusing :class:`Pipeline` from estimators, naming them by type.

    Parameters
    ----------
    *steps : list of estimators
    memory : str or object with the joblib.Memory interface, default=None
    transform_input : list of str, default=None
    verbose : bool, default=False
    fold_affine : bool, default=True
        Fold runs of affine steps into one map (see :class:`Pipeline`).

    Returns
    -------
    p : Pipeline

    Examples
    --------
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from sklearn_pylearn.pipeline import make_pipeline
    >>> from sklearn_pylearn.preprocessing import StandardScaler
    >>> make_pipeline(StandardScaler(), GaussianNB())
    Pipeline(steps=[('standardscaler', StandardScaler()),
                    ('gaussiannb', GaussianNB())])
    """
    return Pipeline(
        name_estimators(steps),
        transform_input=transform_input,
        memory=memory,
        verbose=verbose,
        fold_affine=fold_affine,
    )


def fuse(pipeline, *, fold_affine=True):
    """Turn a scikit-learn Pipeline into a fusing :class:`Pipeline`, without refitting.

    A step that is exactly a scikit-learn estimator this library has a counterpart
    of (``sklearn.preprocessing.StandardScaler``, ``MinMaxScaler``,
    ``sklearn.decomposition.PCA``, ``VarianceThreshold``, ``SelectKBest`` ...) is
    swapped for that counterpart, fitted state included (the counterpart's fit is
    scikit-learn's, so the state means the same), and a ``UserWarning`` names the
    swapped steps. Every other step object is kept as it is; the pipeline's other
    parameters are copied.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        Typically fitted; steps without a counterpart run as they are.
    fold_affine : bool, default=True
        Fold runs of affine steps into one map.

    Returns
    -------
    fused : Pipeline

    Raises
    ------
    ValueError
        When no step is (or can be swapped for) a symbolic step: nothing would fuse.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline as sk_make_pipeline
    >>> from sklearn_pylearn.decomposition import PCA
    >>> from sklearn_pylearn.pipeline import fuse
    >>> from sklearn_pylearn.preprocessing import StandardScaler
    >>> X = np.random.RandomState(0).normal(size=(30, 4))
    >>> plain = sk_make_pipeline(StandardScaler(), PCA(2)).fit(X)
    >>> fused = fuse(plain)
    >>> bool(np.allclose(fused.transform(X), plain.transform(X)))
    True
    >>> [type(s).__name__ for s in fused.fusion_plan().entries]
    ['FusedSegment']
    """
    if not isinstance(pipeline, sk_pipeline.Pipeline):
        raise TypeError(
            "fuse expects a sklearn.pipeline.Pipeline, got "
            f"{type(pipeline).__name__}: {pipeline!r}."
        )
    steps, swapped = _swap_steps(pipeline.steps)
    if not any(_fusible(est) for _, est in steps):
        raise ValueError(
            "fuse: nothing to fuse: no step of this pipeline is a sklearn_pylearn "
            "symbolic estimator or has one as counterpart (steps: "
            f"{[type(est).__name__ for _, est in steps]}). Use sklearn_pylearn's "
            "StandardScaler, MinMaxScaler, PCA, VarianceThreshold, SelectKBest or "
            "learners in the pipeline."
        )
    if swapped:
        warnings.warn(
            "fuse swapped in sklearn_pylearn's counterpart for step(s) "
            + ", ".join(f"{name!r} ({cls})" for name, cls in swapped)
            + ", keeping their fitted state.",
            UserWarning,
            stacklevel=2,
        )
    return Pipeline(
        steps,
        transform_input=getattr(pipeline, "transform_input", None),
        memory=pipeline.memory,
        verbose=pipeline.verbose,
        fold_affine=fold_affine,
    )
