"""Named-field datasets, symbolic datasets, parquet streaming and Dask sources.

- :class:`Dataset`: in-memory fields (``input``, ``target``, ``weight``, others)
  from arrays, DataFrames, CSV or parquet; :meth:`Dataset.iterate` gives
  minibatches with a plain-data, resumable state.
- :class:`SymbolicDataset`, :class:`GetColumnDataset`: the seed's symbolic view;
  transform parameters are compiled-function inputs unless named in ``constants``.
- :class:`ParquetDataset`: streams record batches, shuffles through a bounded
  buffer of row groups, resumes bit-identically; :func:`write_parquet` streams
  outputs to a file.
- :class:`DaskDataset` (``Dataset.from_dask``): a dask DataFrame, partition by
  partition.
- :func:`as_arrays`: what an estimator calls to unpack a dataset into
  ``(X, y, sample_weight)``; :class:`DatasetMethodsMixin` does it for every
  estimator's ``fit`` / ``predict`` / ``transform`` / ``score`` / ``compute``.
- :func:`predict_to_parquet`: a fitted estimator's outputs on a (streamed)
  dataset, written to a parquet file batch by batch.

Examples
--------
>>> import numpy as np
>>> from sklearn_pylearn.data import Dataset
>>> ds = Dataset(input=np.eye(3), target=np.array([0, 1, 2]))
>>> [b.target.tolist() for b in ds.iterate(2)]
[[0, 1], [2]]
"""

from ..runtime import register_trusted
from ..utils._lazy import lazy_attributes
from ._adapt import as_arrays, is_dataset
from ._dataset import Dataset, field_variable
from ._feed import MappedStream, StreamSource, stream_unique
from ._iterator import DatasetIterator
from ._learners import DatasetMethodsMixin
from ._outputs import predict_to_parquet
from ._sample import Sample
from ._stream import ChunkedStream
from ._symbolic import GetColumnDataset, SymbolicDataset

# A checkpoint names the recipe of its data sources; reopening a parquet file runs
# only this library's own code.
register_trusted("sklearn_pylearn.data:ParquetDataset")

# Imported on first use (PEP 562): pyarrow.parquet and the Dask adapter cost import
# time that an estimator's fit on arrays never needs.
_LAZY = {
    "DaskDataset": "._dask",
    "ParquetDataset": "._parquet",
    "write_parquet": "._parquet",
}

__getattr__, __dir__ = lazy_attributes(__name__, globals(), _LAZY)


__all__ = [
    "ChunkedStream",
    "DaskDataset",
    "Dataset",
    "DatasetIterator",
    "DatasetMethodsMixin",
    "GetColumnDataset",
    "MappedStream",
    "ParquetDataset",
    "Sample",
    "StreamSource",
    "SymbolicDataset",
    "as_arrays",
    "field_variable",
    "is_dataset",
    "predict_to_parquet",
    "stream_unique",
    "write_parquet",
]
