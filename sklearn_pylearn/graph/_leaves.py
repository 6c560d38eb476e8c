"""The leaves of a layer graph: data inputs, parameters, hyper-parameters, generators.

Each leaf owns one symbolic root variable (tagged with the leaf, ``var.tag.leaf``)
and the numeric value that feeds it when a graph is evaluated. Leaves are the
inputs of every compiled function: a graph never holds a shared variable, so two
models of one structure share one compiled function whatever their values.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pytensor.tensor as pt
from pytensor.graph.basic import Variable
from pytensor.tensor.random.type import random_generator_type

from ._node import Node, PlainDataState

__all__ = ["HyperParam", "Input", "Leaf", "Param", "RandomStream"]


class Leaf(PlainDataState):
    """Base of the graph's leaves: a named root variable with a value.

    ``annotations``: the set of annotation names the transforms that made it were
    given (``dotW_b(x, 300, annotations="rbm1")``).
    """

    kind = "leaf"
    annotations: frozenset = frozenset()

    def __init__(self, name: str, var: Variable):
        if not isinstance(name, str) or not name:
            raise TypeError(
                f"{type(self).__name__}: name must be a non-empty str, got {name!r}."
            )
        self.name = name
        self.var = var
        var.tag.leaf = self

    def feed(self, arrays: dict, batch: int | None) -> Any:
        """The value that feeds this leaf in one evaluation."""
        raise NotImplementedError

    _value_attrs: tuple = ()

    def get_state(self) -> dict:
        """The plain-data state (the runtime's object protocol: checkpoints)."""
        return self.__getstate__()

    def set_state(self, state: dict) -> None:
        """Restore :meth:`get_state` (into an empty leaf, or its values)."""
        from ._serialize import runtime_set_state

        runtime_set_state(self, state)

    def __copy__(self):
        twin = type(self).__new__(type(self))
        vars(twin).update(vars(self))
        return twin

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class Input(Leaf, Node):
    """A data input: a named symbolic array and, optionally, its data.

    An input is also a node: transforms take it as their input, and ``replace``
    swaps it for another (training data for validation data).

    A node iterates over the minibatches of its inputs (``node.next()``): batch
    ``i`` is rows ``[i * batch_size, (i + 1) * batch_size)`` of this epoch's order
    (consecutive, or a permutation seeded by ``random_state`` and the epoch).

    Parameters
    ----------
    name : str
        Keyword that ``node.eval(name=array)`` uses to feed other data.
    data : array-like, optional
        The data (rows are samples); without it, give ``ndim`` and ``dtype``.
    batch_size : int, default=100
    shuffle : bool, default=False
    random_state : int, default=0
    ndim : int, optional
    dtype : str, optional
    size : int, optional
        Width of one sample, for an input given without data.

    Examples
    --------
    >>> import numpy as np
    >>> x = Input("x", np.arange(10.0).reshape(5, 2), batch_size=2)
    >>> x.n_batches, x.batch(2).tolist(), x.size
    (3, [[8.0, 9.0]], 2)
    """

    kind = "input"
    _transient = ("_memo",)
    _value_attrs = ("_cursor",)

    def __init__(
        self,
        name: str,
        data: Any = None,
        *,
        batch_size: int = 100,
        shuffle: bool = False,
        random_state: int = 0,
        ndim: int | None = None,
        dtype: str | None = None,
        size: int | None = None,
    ):
        if data is not None:
            data = np.ascontiguousarray(data)
            if data.dtype.kind == "b":
                data = data.astype(np.int64)
            elif data.dtype.kind in "iu":
                data = data.astype(np.int64)
            elif data.dtype.kind != "f":
                raise TypeError(
                    f"Input {name!r}: data must be numeric, got dtype {data.dtype}."
                )
            ndim, dtype = data.ndim, data.dtype.name
        elif ndim is None or dtype is None:
            raise TypeError(
                f"Input {name!r}: give data, or both ndim and dtype (e.g. ndim=2, "
                "dtype='float64')."
            )
        if not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(
                f"Input {name!r}: batch_size must be a positive int, got "
                f"{batch_size!r}."
            )
        Leaf.__init__(
            self, name, pt.tensor(name=name, dtype=dtype, shape=(None,) * ndim)
        )
        width = int(data.shape[-1]) if data is not None and data.ndim > 1 else size
        Node.__init__(self, self.var, kind="input", name=name, size=width)
        self.data = data
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.random_state = int(random_state)

    @property
    def n_rows(self) -> int:
        return 0 if self.data is None else len(self.data)

    @property
    def n_batches(self) -> int:
        """Minibatches per epoch."""
        return -(-self.n_rows // self.batch_size)

    def batch(self, i: int) -> np.ndarray:
        """Minibatch number ``i`` (counting across epochs)."""
        if self.data is None or not len(self.data):
            raise ValueError(
                f"Input {self.name!r} has no data to iterate over; give data to "
                "Input(...) or evaluate with node.eval(name=array)."
            )
        epoch, j = divmod(int(i), self.n_batches)
        rows = slice(j * self.batch_size, (j + 1) * self.batch_size)
        if not self.shuffle:
            return self.data[rows]
        order = np.random.RandomState(self.random_state + epoch).permutation(
            self.n_rows
        )
        return self.data[order[rows]]

    def feed(self, arrays: dict, batch: int | None) -> np.ndarray:
        for key in (self, self.name):
            if key in arrays:
                value = np.asarray(arrays[key], dtype=self.var.type.dtype)
                if value.ndim != self.var.type.ndim:
                    raise ValueError(
                        f"Input {self.name!r} takes {self.var.type.ndim}-d arrays, "
                        f"got shape {value.shape}."
                    )
                return value
        if batch is not None:
            return self.batch(batch)
        if self.data is None:
            raise ValueError(
                f"Input {self.name!r} has no data: pass it as eval({self.name}=array)."
            )
        return self.data

    def __repr__(self) -> str:
        shape = None if self.data is None else self.data.shape
        return f"Input({self.name!r}, shape={shape})"


_TRAINABLE = ("trainable", "regularizable")


class Param(Leaf):
    """A parameter: a named array, fed to compiled functions as an input.

    Parameters
    ----------
    name : str
    value : array-like
    tags : iterable of str, default=("trainable", "regularizable")
        Tags to collect by (``node.parameters(regularizable=True)``).
    frozen : bool, default=False
        A frozen parameter is not updated by learners.
    max_norm : float or None
        A constraint: learners rescale each column (unit) of the updated value so
        that its L2 norm is at most this.

    Examples
    --------
    >>> import numpy as np
    >>> W = Param("W", np.zeros((2, 3)))
    >>> W.shape, sorted(W.tags), W.frozen
    ((2, 3), ['regularizable', 'trainable'], False)
    """

    kind = "param"
    _value_attrs = ("_value", "frozen", "max_norm")

    def __init__(
        self,
        name: str,
        value: Any,
        *,
        tags=_TRAINABLE,
        frozen: bool = False,
        max_norm: float | None = None,
    ):
        value = np.array(value, dtype=np.result_type(np.asarray(value), np.float64))
        var = pt.tensor(name=name, dtype=value.dtype.name, shape=(None,) * value.ndim)
        super().__init__(name, var)
        self._value = value
        self.tags = set(tags)
        self.frozen = bool(frozen)
        self.max_norm = max_norm

    @property
    def value(self) -> np.ndarray:
        """The parameter's array (assigning converts to the parameter's dtype)."""
        return self._value

    @value.setter
    def value(self, new) -> None:
        new = np.asarray(new, dtype=self.var.type.dtype)
        if new.ndim != self.var.type.ndim:
            raise ValueError(
                f"Param {self.name!r} holds {self.var.type.ndim}-d arrays, got shape "
                f"{new.shape}."
            )
        self._value = new

    @property
    def shape(self) -> tuple:
        return self.value.shape

    def freeze(self, frozen: bool = True) -> Param:
        """Stop (or, with False, resume) updating this parameter; returns it."""
        self.frozen = bool(frozen)
        return self

    def has(self, **tags: bool) -> bool:
        """True when the tags match (``trainable=True`` also means not frozen)."""
        for tag, wanted in tags.items():
            present = tag in self.tags and not (tag == "trainable" and self.frozen)
            if present != bool(wanted):
                return False
        return True

    def feed(self, arrays: dict, batch: int | None) -> np.ndarray:
        return self.value

    def copy(self) -> Param:
        """A new parameter (new variable) with a copy of the value and settings."""
        twin = Param(
            self.name,
            self.value.copy(),
            tags=set(self.tags),
            frozen=self.frozen,
            max_norm=self.max_norm,
        )
        twin.annotations = set(self.annotations)
        return twin

    def __repr__(self) -> str:
        flag = ", frozen" if self.frozen else ""
        return f"Param({self.name!r}, shape={self.shape}{flag})"


class HyperParam(Leaf):
    """A named scalar hyper-parameter.

    By default it is an *input* of compiled functions, so changing ``value`` never
    recompiles; ``constant=True`` folds the value into the graph (a new value then
    compiles a new function). ``distribution`` (e.g. a ``scipy.stats`` object) is
    kept for hyper-parameter search (``model.param_distributions()``).

    Examples
    --------
    >>> lr = HyperParam("learning_rate", 0.1)
    >>> lr.value, lr.constant
    (0.1, False)
    """

    kind = "hyperparam"
    _value_attrs = ("value",)

    def __init__(
        self,
        name: str,
        value: float,
        *,
        constant: bool = False,
        distribution: Any = None,
        dtype: str = "float64",
    ):
        if not isinstance(value, numbers.Real):
            raise TypeError(
                f"HyperParam {name!r}: value must be a real number, got {value!r}."
            )
        super().__init__(name, pt.scalar(name=name, dtype=dtype))
        self.value = value
        self.constant = bool(constant)
        self.distribution = distribution

    def feed(self, arrays: dict, batch: int | None) -> np.ndarray:
        return np.asarray(self.value, dtype=self.var.type.dtype)

    def __repr__(self) -> str:
        const = ", constant" if self.constant else ""
        return f"HyperParam({self.name!r}, {self.value!r}{const})"


class RandomStream(Leaf):
    """A random generator fed as an input; its next state is an output.

    Evaluating a graph that samples advances ``generator`` (the returned next
    state replaces it), so results are deterministic given ``seed``.

    Examples
    --------
    >>> r = RandomStream("noise", seed=3)
    >>> type(r.generator).__name__
    'Generator'
    """

    kind = "random"
    _value_attrs = ("generator", "seed")

    def __init__(self, name: str, seed: int | None = 0):
        super().__init__(name, random_generator_type(name))
        self.seed = seed
        self.generator = np.random.default_rng(seed)

    def feed(self, arrays: dict, batch: int | None) -> np.random.Generator:
        return self.generator

    def reseed(self, seed: int | None) -> None:
        """Restart the stream from ``seed``."""
        self.seed = seed
        self.generator = np.random.default_rng(seed)
