"""ExpressionTransformer: a stateless step defined by a symbolic expression.

The seed's ``layer_RP`` asks to "define a transform on the fly for simple theano
expressions". ``func`` maps a symbolic matrix to a symbolic matrix of the same shape
(``pytensor.tensor.tanh``, ``log1p``, ``lambda X: X ** 2`` ...); the transform is that
graph, compiled through the structural cache, and it fuses with its neighbours in
:class:`sklearn_pylearn.pipeline.Pipeline`.
"""

import copy

import pytensor.tensor as pt
from pytensor.tensor.variable import TensorVariable
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ..base import SymbolicMixin, run_graph
from ..utils._sklearn_compat import clone_parametrized, fit_context
from ..utils.fitting import restore_on_error
from ..utils.validation import validate_float_input

__all__ = ["ExpressionTransformer"]


def _has_inverse(self):
    return self.inverse_func is not None


class ExpressionTransformer(
    SymbolicMixin, OneToOneFeatureMixin, TransformerMixin, BaseEstimator
):
    """Apply an elementwise symbolic expression, as a graph that fuses in pipelines.

    A stateless transformer: ``fit`` only validates ``X`` and records the number
    and names of its features. ``transform`` builds ``func(X)`` on a symbolic matrix
    and runs it compiled; inside :class:`sklearn_pylearn.pipeline.Pipeline` it joins
    the compiled function of its symbolic neighbours. The expression must keep the
    shape of its input (one output feature per input feature); its result is cast
    to the input's float dtype, so float32 data stays float32.

    Parameters
    ----------
    func : callable or None, default=None
        Maps a symbolic matrix (a PyTensor ``TensorVariable``) to a symbolic matrix
        of the same shape, for example ``pytensor.tensor.tanh`` or
        ``pytensor.tensor.log1p``. None is the identity. For joblib persistence,
        use a picklable callable: a ``pytensor.tensor`` function or a module-level
        function, not a lambda.
    inverse_func : callable or None, default=None
        The inverse expression (``pytensor.tensor.arctanh`` for ``tanh``); when
        given, ``inverse_transform`` is available and fuses too.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when ``X`` has
        feature names that are all strings.

    See Also
    --------
    sklearn.preprocessing.FunctionTransformer : The same idea with a NumPy
        function, which cannot fuse.

    Examples
    --------
    >>> import numpy as np
    >>> import pytensor.tensor as pt
    >>> from sklearn_pylearn.preprocessing import ExpressionTransformer
    >>> X = np.array([[0.0, 1.0], [2.0, 3.0]])
    >>> ExpressionTransformer(pt.log1p).fit_transform(X).round(4)
    array([[0.    , 0.6931],
           [1.0986, 1.3863]])
    >>> squash = ExpressionTransformer(pt.tanh, inverse_func=pt.arctanh).fit(X)
    >>> squash.inverse_transform(squash.transform(X)).round(6)
    array([[0., 1.],
           [2., 3.]])
    """

    _parameter_constraints: dict = {
        "func": [callable, None],
        "inverse_func": [callable, None],
    }

    def __init__(self, func=None, *, inverse_func=None):
        self.func = func
        self.inverse_func = inverse_func

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate ``X`` and check that ``func`` builds a same-shape expression.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self : ExpressionTransformer
        """
        with restore_on_error(self):
            X = validate_float_input(self, X, reset=True)
            probe = pt.tensor("X", dtype=X.dtype, shape=(None, X.shape[1]))
            self._apply("func", probe)
            if self.inverse_func is not None:
                self._apply("inverse_func", probe)
        return self

    def transform(self, X):
        """Apply ``func`` to ``X`` with a compiled graph.

        Returns
        -------
        X_tr : ndarray of shape (n_samples, n_features), of ``X``'s float dtype
        """
        return self._run(X, "transform", "func")

    @available_if(_has_inverse)
    def inverse_transform(self, X):
        """Apply ``inverse_func`` to ``X`` with a compiled graph."""
        return self._run(X, "inverse_transform", "inverse_func")

    def _symbolic_transform(self, X, inputs):
        return self._apply("func", X)

    def _symbolic_inverse_transform(self, X, inputs):
        return self._apply("inverse_func", X)

    def _has_symbolic(self, method):
        if method == "inverse_transform":
            return self.inverse_func is not None
        return super()._has_symbolic(method)

    def _apply(self, param, X):
        """Build ``param``'s expression on ``X``, checking that it is one."""
        func = getattr(self, param)
        if func is None:
            return X
        name = type(self).__name__
        try:
            out = func(X)
        except Exception as exc:
            raise TypeError(
                f"{name}: {param}={func!r} failed on a symbolic matrix "
                f"({type(exc).__name__}: {exc}). It must map a PyTensor tensor to a "
                "PyTensor tensor: use pytensor.tensor functions such as pt.tanh or "
                "pt.log1p."
            ) from exc
        if not isinstance(out, TensorVariable):
            raise TypeError(
                f"{name}: {param}={func!r} must return a symbolic tensor (a PyTensor "
                f"TensorVariable), got {type(out).__name__}. Build it with "
                "pytensor.tensor operations, such as pt.tanh, not NumPy ones."
            )
        expected = X.type.shape[1]
        if out.type.ndim != 2 or out.type.shape[1] not in (None, expected):
            raise ValueError(
                f"{name}: {param}={func!r} must keep the shape of its input "
                f"(n_samples, {expected or 'n_features'}), got a {out.type.ndim}-d "
                f"tensor of shape {_shape_str(out)}. Use an elementwise expression."
            )
        return out if out.dtype == X.dtype else pt.cast(out, X.dtype)

    def _run(self, X, method, param):
        check_is_fitted(self)
        if method == "transform":
            X = validate_float_input(self, X, reset=False, copy=False)
        else:
            X = self._check_output_space(X, method)
        out = run_graph(self, X, method)
        if out.shape != X.shape:
            raise ValueError(
                f"{type(self).__name__}: {param}={getattr(self, param)!r} returned "
                f"shape {out.shape} for input of shape {X.shape}; it must keep the "
                "shape of its input."
            )
        return out

    def get_params(self, deep=True):
        """Get the parameters (``func`` and ``inverse_func``; nothing is nested).

        PyTensor ops have a ``get_params`` of their own, which is not an
        estimator's, so the callables are never looked into.
        """
        return super().get_params(deep=False)

    def __sklearn_clone__(self):
        # clone() would take a PyTensor op (it has get_params) for an estimator:
        # clone without the callables, then share them (they hold no state).
        funcs = {"func": self.func, "inverse_func": self.inverse_func}
        bare = copy.copy(self)
        bare.func = bare.inverse_func = None
        new = clone_parametrized(bare)
        new.set_params(**funcs)
        return new

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags


def _shape_str(var):
    dims = ["?" if s is None else str(s) for s in var.type.shape]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"
