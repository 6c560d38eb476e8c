"""Test-session settings shared by the whole suite."""

import os

# scikit-learn runs its array-API conformance check with the NumPy namespace only
# when SciPy's array API support is on; it must be set before SciPy is imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
