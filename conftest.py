"""Test-session settings shared by the whole suite."""

import os

# scikit-learn runs its array-API conformance check with the NumPy namespace only
# when SciPy's array API support is on; it must be set before SciPy is imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

# Sphinx's configuration and what a docs build generates are not test modules
# (tests/test_docs.py builds the site in a temporary directory).
collect_ignore = ["doc/conf.py"]
collect_ignore_glob = ["doc/_build/*", "doc/auto_examples/*", "doc/generated/*"]
