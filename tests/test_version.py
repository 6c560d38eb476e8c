"""One version policy: estimator pickles and checkpoints follow _version.py."""

import warnings

import pytest

from sklearn_pylearn import __version__
from sklearn_pylearn._version import __version__ as source_version
from sklearn_pylearn._version import breaking_part, is_compatible
from sklearn_pylearn.base import check_version
from sklearn_pylearn.exceptions import VersionMismatchWarning
from sklearn_pylearn.runtime import checkpoint


def test_the_package_and_checkpoints_report_the_one_version():
    assert __version__ == source_version == checkpoint.library_version()


@pytest.mark.parametrize(
    "saved, compatible",
    [("0.1.7", True), ("0.2.0", False), ("1.0.0", False), (source_version, True)],
)
def test_pickles_and_checkpoints_agree_on_what_is_compatible(saved, compatible):
    assert is_compatible(saved) is compatible
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_version("X", saved)
    assert (not caught) is compatible
    assert all(w.category is VersionMismatchWarning for w in caught)
    manifest = {
        "format": checkpoint.FORMAT,
        "format_version": checkpoint.FORMAT_VERSION,
        "library_version": saved,
    }
    if compatible:
        checkpoint.check_compatible(manifest, "ckpt")
    else:
        with pytest.raises(checkpoint.CheckpointVersionError, match=saved):
            checkpoint.check_compatible(manifest, "ckpt")


def test_breaking_part():
    assert breaking_part("0.1.0") == (0, 1) and breaking_part("3.2.1") == (3,)
