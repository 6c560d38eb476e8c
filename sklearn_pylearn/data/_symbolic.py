"""Symbolic datasets: transforms of datasets whose parameters are compiled-function
inputs (seed ``datalearn``: "Fixed Parameters vs. Function Arguments").

A transform ``d2 = t(d1, p1=w1, ..., constants=["p3"])`` builds a graph from the
source's field variables and one variable per parameter. Parameters enter the
compiled function as *inputs*, so every value of them shares one function through
the structural compile cache; a parameter named in ``constants`` is folded into
the graph as a constant instead, and each of its values compiles its own function.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytensor.tensor as pt
from pytensor.graph.basic import Variable

from ..symbolic.compile import CompiledFunction, compile_function, is_cached
from ._dataset import Dataset
from ._iterator import DatasetIterator, check_fields
from ._sample import Sample

__all__ = ["GetColumnDataset", "SymbolicDataset"]


def _param_variable(name: str, value: Any, constant: bool) -> Variable:
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"parameter {name!r} must be numeric, got {value!r} (dtype {array.dtype})."
        )
    if constant:
        return pt.constant(array, name=name)
    return pt.tensor(name=name, dtype=str(array.dtype), shape=(None,) * array.ndim)


def _lineage(dataset: Any) -> tuple[Dataset, dict, dict, dict]:
    """(root dataset, root variables, parameters, output expressions)."""
    if isinstance(dataset, SymbolicDataset):
        return (
            dataset._root,
            dict(dataset._root_vars),
            dict(dataset._params),
            dict(dataset._outputs),
        )
    if isinstance(dataset, Dataset):
        variables = dataset.variables
        return dataset, variables, {}, dict(variables)
    raise TypeError(
        f"a symbolic dataset is built on a Dataset or a SymbolicDataset, got "
        f"{type(dataset).__name__}. Wrap arrays first: Dataset(input=X)."
    )


def _as_outputs(result: Any, parent: dict[str, Variable]) -> dict[str, Variable]:
    if isinstance(result, Variable):
        result = {"input": result}
    if not isinstance(result, Mapping):
        raise TypeError(
            "the transform function must return a symbolic expression (the new "
            f"input field) or a dict of field -> expression, got {result!r}."
        )
    outputs = dict(parent)
    for name, expr in result.items():
        if expr is None:
            outputs.pop(name, None)
            continue
        expr = pt.as_tensor_variable(expr)
        if expr.ndim == 0:
            raise ValueError(
                f"field {name!r} is a scalar expression; a dataset field needs one "
                "entry per sample (keep the leading, row axis)."
            )
        outputs[name] = expr
    return outputs


class SymbolicDataset:
    """A dataset defined by a graph over another dataset's fields.

    ``fn(sample, **params)`` receives a :class:`Sample` of symbolic minibatch
    variables (``sample.input`` is a matrix) and one variable per parameter, and
    returns the new input expression or a dict of field -> expression (other
    fields are kept; ``None`` drops one). Numeric access (indexing,
    :meth:`iterate`, :meth:`evaluate`, :meth:`to_frame`) compiles ONE function
    whose inputs are the root dataset's fields and the parameters, through the
    structural cache: datasets of one structure share it, whatever the
    parameter values.

    Parameters
    ----------
    dataset : Dataset or SymbolicDataset
        The source; transforms chain.
    fn : callable
        ``fn(sample, **params) -> expression or dict``.
    constants : sequence of str, default=()
        Parameters folded into the graph as constants (one function per value).
    **params : number or array
        Parameter values.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.data import Dataset, SymbolicDataset
    >>> ds = Dataset(input=np.arange(6.0).reshape(3, 2), target=[0, 1, 1])
    >>> scaled = SymbolicDataset(ds, lambda s, k: s.input * k, k=10.0)
    >>> scaled.variable.ndim, scaled.params
    (2, {'k': 10.0})
    >>> scaled[2].input, scaled[2].target
    (array([40., 50.]), np.int64(1))
    """

    def __init__(
        self,
        dataset: Dataset | SymbolicDataset,
        fn: Callable[..., Any],
        *,
        constants: Sequence[str] = (),
        **params: Any,
    ) -> None:
        root, root_vars, inherited, parent = _lineage(dataset)
        unknown = [c for c in constants if c not in params]
        if unknown:
            raise ValueError(
                f"constants={list(constants)!r} names {unknown!r}, which are not "
                f"parameters of this transform; its parameters are {list(params)!r}."
            )
        clash = sorted(set(params) & set(inherited))
        if clash:
            raise ValueError(
                f"parameter(s) {clash!r} already belong to the source dataset; "
                "give this transform's parameters other names."
            )
        own = {
            name: (_param_variable(name, v, name in constants), v, name in constants)
            for name, v in params.items()
        }
        variables = {name: var for name, (var, _, _) in own.items()}
        self._root, self._root_vars = root, root_vars
        self._params = {**inherited, **own}
        self._outputs = _as_outputs(fn(Sample(parent), **variables), parent)
        self._fn: CompiledFunction | None = None

    # ------------------------------------------------------------ symbolic

    @property
    def fields(self) -> tuple[str, ...]:
        """The field names, the root's fields that pass through included."""
        passthrough = [f for f in self._root.fields if f not in self._root_vars]
        return tuple(self._outputs) + tuple(passthrough)

    @property
    def variables(self) -> dict[str, Variable]:
        """Field -> symbolic expression (of the root's field variables)."""
        return dict(self._outputs)

    @property
    def variable(self) -> Variable:
        """The symbolic input field (the first field when there is no input)."""
        return self._outputs.get("input", next(iter(self._outputs.values())))

    @property
    def params(self) -> dict[str, Any]:
        """Parameter name -> value, those of the source transforms included."""
        return {name: value for name, (_, value, _) in self._params.items()}

    @property
    def inputs(self) -> list[Variable]:
        """The compiled function's inputs: root field variables, then parameters."""
        free = [var for var, _, const in self._params.values() if not const]
        return list(self._root_vars.values()) + free

    def function(self) -> CompiledFunction:
        """The compiled function: ``f(*root_fields, *params) -> [fields]``.

        It comes from the structural cache, so every dataset of this structure
        gets the same function.
        """
        if self._fn is None or not is_cached(self._fn):
            self._fn = compile_function(
                self.inputs, list(self._outputs.values()), name="SymbolicDataset"
            )
        return self._fn

    # ------------------------------------------------------------ numeric

    def __len__(self) -> int:
        return len(self._root)

    def _take(self, rows: Any, fields: Sequence[str]) -> dict[str, np.ndarray]:
        root = self._root._take(rows, self._root.fields)
        values = [value for _, value, const in self._params.values() if not const]
        args = [root[name] for name in self._root_vars] + values
        outs = self.function()(*args)
        computed = dict(zip(self._outputs, outs))
        n = len(next(iter(root.values())))
        for name, a in computed.items():
            if np.ndim(a) == 0 or len(a) != n:
                raise ValueError(
                    f"field {name!r} gave {np.shape(a)} for {n} rows; a transform "
                    "must keep one entry per sample."
                )
        return {f: computed[f] if f in computed else root[f] for f in fields}

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            check_fields(key, self.fields, "SymbolicDataset")
            return self._take(slice(None), [key])[key]
        if isinstance(key, (int, np.integer)):
            n = len(self)
            if not -n <= key < n:
                raise IndexError(f"sample {key} is out of range for {n} samples.")
            one = self._take([int(key)], self.fields)
            return Sample({k: v[0] for k, v in one.items()})
        if isinstance(key, (slice, list, np.ndarray)):
            view = copy.copy(self)
            view._root = self._root[key]
            return view
        raise TypeError(
            f"SymbolicDataset indices are a field name, an int, a slice or an "
            f"array; got {key!r} ({type(key).__name__})."
        )

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def iterate(
        self,
        batch_size: int,
        *,
        fields: Sequence[str] | None = None,
        shuffle: bool = False,
        random_state: Any = None,
    ) -> DatasetIterator:
        """Minibatches computed by the compiled function (one for every batch)."""
        return DatasetIterator(
            self,
            batch_size,
            fields=fields,
            shuffle=shuffle,
            random_state=random_state,
        )

    def evaluate(self) -> Dataset:
        """Compute every field of every sample into an in-memory Dataset."""
        data = self._take(slice(None), self.fields)
        columns = {f: self._root._columns.get(f) for f in data}
        return Dataset._from_parts(data, columns)

    def to_frame(self) -> pd.DataFrame:
        """The computed dataset as a DataFrame (see :meth:`Dataset.to_frame`)."""
        return self.evaluate().to_frame()

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k != "_fn"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)
        self._fn = None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({len(self)} samples, fields={self.fields!r}, "
            f"params={self.params!r})"
        )


def _get_column(sample: Sample, column: Variable) -> Variable:
    return sample.input[:, column]


class GetColumnDataset(SymbolicDataset):
    """The seed's ``GetColumnDataset(dataset, j)``: column ``j`` of the input.

    ``j`` is a compiled-function input, so iterating over every column compiles
    one function; ``constants=["column"]`` folds ``j`` in (one function per j).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.data import Dataset, GetColumnDataset
    >>> ds = Dataset(input=np.arange(6.0).reshape(3, 2))
    >>> [b.input.tolist() for b in GetColumnDataset(ds, 1).iterate(2)]
    [[1.0, 3.0], [5.0]]
    """

    def __init__(
        self,
        dataset: Dataset | SymbolicDataset,
        column: int,
        *,
        constants: Sequence[str] = (),
    ) -> None:
        super().__init__(dataset, _get_column, constants=constants, column=column)
