"""utils._malloc: glibc's mmap threshold raised once when the environment pinned it.

Each case runs in a child process, because malloc settings are process-wide and a
pinning variable only acts when the process starts. The behaviour is checked by
counting minor page faults: 200 allocations of 1 MiB arrays, each written and freed,
fault every page in again when each one is a fresh mapping (about 256 faults each)
and almost none once the heap serves them.
"""

import json
import os
import platform
import subprocess
import sys
import textwrap

import pytest

from sklearn_pylearn.utils import _malloc

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
needs_glibc = pytest.mark.skipif(not GLIBC, reason="mallopt tuning is glibc-only")

CHILD = textwrap.dedent(
    """
    import json, resource, sys
    import numpy as np

    def faults():
        start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(200):
            a = np.empty(1 << 17)  # 1 MiB, above glibc's 128 KiB default
            a.fill(1.0)
            del a
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start

    before = faults()
    if sys.argv[1] == "compile":
        import numpy as np
        import pytensor.tensor as pt
        from sklearn_pylearn.symbolic.compile import compile_function
        x = pt.vector("x")
        compile_function([x], x + 1)(np.ones(3))
    from sklearn_pylearn.utils._malloc import tune_malloc
    applied = tune_malloc()
    print(json.dumps({"before": before, "after": faults(), "applied": applied}))
    """
)


def run_child(env_extra, how="direct"):
    env = {k: v for k, v in os.environ.items() if k not in _malloc.PINNING_VARIABLES}
    env.pop("SKLEARN_PYLEARN_MALLOC_TUNING", None)
    env.update(env_extra)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, how],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@needs_glibc
def test_pinned_trim_threshold_stops_faulting_after_tuning():
    result = run_child({"MALLOC_TRIM_THRESHOLD_": "65536"})
    assert result["applied"] == {
        "M_MMAP_THRESHOLD": _malloc.MMAP_THRESHOLD,
        "M_TOP_PAD": _malloc.TOP_PAD,
    }
    assert result["before"] > 200 * 100  # a fresh mapping per array
    assert result["after"] < 2000


@needs_glibc
def test_first_compile_tunes_the_process():
    # The hook in compile_function, not a direct call, made the change.
    result = run_child({"MALLOC_TRIM_THRESHOLD_": "65536"}, how="compile")
    assert result["applied"]
    assert result["after"] < 2000 < result["before"]


def test_unpinned_process_is_left_alone():
    result = run_child({})
    assert result["applied"] == {}


@needs_glibc
def test_opt_out_leaves_malloc_pinned():
    result = run_child(
        {"MALLOC_TRIM_THRESHOLD_": "65536", "SKLEARN_PYLEARN_MALLOC_TUNING": "0"}
    )
    assert result["applied"] == {}
    assert result["after"] > 200 * 100


@needs_glibc
def test_explicit_user_settings_are_kept():
    result = run_child(
        {"MALLOC_TRIM_THRESHOLD_": "65536", "MALLOC_MMAP_THRESHOLD_": "131072"}
    )
    assert result["applied"] == {"M_TOP_PAD": _malloc.TOP_PAD}
    assert result["after"] > 200 * 100  # the user's threshold still maps each array


def test_result_is_computed_once(monkeypatch):
    calls = []
    monkeypatch.setattr(_malloc, "_result", {})
    monkeypatch.setattr(_malloc, "_apply", lambda env: calls.append(1) or {"x": 1})
    assert _malloc.tune_malloc() == {"x": 1}
    assert _malloc.tune_malloc() == {"x": 1}
    assert calls == [1]


def test_not_glibc_changes_nothing(monkeypatch):
    monkeypatch.setattr(_malloc, "_glibc_mallopt", lambda: None)
    assert _malloc._apply({"MALLOC_TRIM_THRESHOLD_": "65536"}) == {}
