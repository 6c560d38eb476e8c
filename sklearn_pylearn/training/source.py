"""The minibatch source: the seeded order in which a fit reads its rows."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..runtime import register_trusted

__all__ = ["MinibatchSource"]


class MinibatchSource:
    """Seeded minibatches of bound arrays, in scikit-learn's MLP order.

    Each epoch permutes the current order with ``random_state.shuffle`` (as
    ``sklearn.utils.shuffle`` does in scikit-learn's MLP) and reads consecutive
    slices of ``batch_size`` rows; the last minibatch may be smaller. A bound
    sparse matrix (CSR or CSC) is read as CSR and each minibatch is densified
    (``toarray``): the step gets the very arrays the dense matrix would give, and
    only one minibatch of it is ever dense. The state is plain data (the
    RandomState, the order and the cursor); the arrays are bound with :meth:`bind`
    and are never part of the state or the recipe, so a resumed fit binds the same
    arrays again.

    Parameters
    ----------
    n_samples : int
    batch_size : int
    shuffle : bool, default=True
    random_state : int, RandomState or None
        The RandomState is used as it is (not copied): an estimator passes the one
        it initialised its weights with, as scikit-learn does.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_pylearn.training import MinibatchSource
    >>> src = MinibatchSource(5, 2, random_state=0).bind(np.arange(5.0))
    >>> src.n_batches
    3
    >>> src.start_epoch()
    >>> [len(b[0]) for b in (src.next_batch(), src.next_batch(), src.next_batch())]
    [2, 2, 1]
    """

    # The public name: checkpoints written before training became a package
    # recorded this factory, and it still imports.
    FACTORY = "sklearn_pylearn.training:MinibatchSource"

    def __init__(self, n_samples, batch_size, *, shuffle=True, random_state=None):
        from sklearn.utils import check_random_state

        self.n_samples = int(n_samples)
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.rng = check_random_state(random_state)
        self.order = np.arange(self.n_samples)
        self.cursor = 0
        self._arrays: tuple = ()

    @property
    def n_batches(self) -> int:
        """Minibatches per epoch."""
        return -(-self.n_samples // self.batch_size)

    def bind(self, *arrays) -> MinibatchSource:
        """Attach the arrays (same number of rows) that batches are read from."""
        for a in arrays:
            if a.shape[0] != self.n_samples:
                raise ValueError(
                    f"MinibatchSource: an array has {a.shape[0]} rows, expected "
                    f"{self.n_samples}."
                )
        self._arrays = tuple(
            a.tocsr() if sp.issparse(a) and a.format != "csr" else a for a in arrays
        )
        return self

    def start_epoch(self) -> None:
        """Shuffle (when enabled) and rewind."""
        if self.shuffle:
            perm = np.arange(self.n_samples)
            self.rng.shuffle(perm)
            self.order = self.order[perm]
        self.cursor = 0

    def next_batch(self) -> tuple:
        """The next minibatch: one array per bound array."""
        if not self._arrays:
            raise RuntimeError(
                "MinibatchSource has no data; call bind(X, ...) first (a resumed "
                "fit binds the same data again)."
            )
        start = self.cursor
        stop = min(start + self.batch_size, self.n_samples)
        if start >= stop:
            raise IndexError(
                "MinibatchSource: the epoch is exhausted; call start_epoch()."
            )
        self.cursor = stop
        rows = self.order[start:stop] if self.shuffle else slice(start, stop)
        return tuple(_dense(a[rows]) for a in self._arrays)

    def get_recipe(self) -> dict:
        kwargs = {
            "n_samples": self.n_samples,
            "batch_size": self.batch_size,
            "shuffle": self.shuffle,
        }
        return {"factory": self.FACTORY, "kwargs": kwargs}

    def get_state(self) -> dict:
        return {"rng": self.rng, "order": self.order, "cursor": self.cursor}

    def set_state(self, state: dict) -> None:
        self.rng.set_state(state["rng"].get_state())
        self.order = np.asarray(state["order"])
        self.cursor = int(state["cursor"])

    def __getstate__(self):
        return {k: v for k, v in vars(self).items() if k != "_arrays"}

    def __setstate__(self, state):
        vars(self).update(state)
        self._arrays = ()


def _dense(batch):
    return batch.toarray() if sp.issparse(batch) else batch


register_trusted(MinibatchSource, MinibatchSource.FACTORY)
