"""First use: a new machine, the warm-up, and a fresh process after it.

Each measurement is a fresh Python process with its own ``HOME`` (PyTensor's compile
directory, with Numba's per-op kernels and our on-disk functions, follows it):

1. *Empty caches, no warm-up*: the first ``MLPClassifier((64,), max_iter=50).fit``
   on digits (wall time including the import of the estimator module, and the
   compile seconds of ``compile_stats()``).
2. *The warm-up itself* (``python -m sklearn_pylearn warmup``) on empty caches.
3. *After the warm-up*, fresh processes: the same first fit against scikit-learn's
   (import included; median of ``--repeat``), the same fit with the on-disk
   function cache turned off (``SKLEARN_PYLEARN_NO_DISK_CACHE=1``: what loading the
   rewritten functions saves), and the first fit of a structure the warm-up did not
   see (two hidden layers of tanh units), once, with its compile seconds.

    python benchmarks/bench_cold_compile.py [--repeat 3] [--no-write]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import markdown_table, replace_section

FIT = """
import json, time, warnings
warnings.simplefilter("ignore")
from sklearn.datasets import load_digits
X, y = load_digits(return_X_y=True)
start = time.perf_counter()
{body}
print(json.dumps({{"wall": time.perf_counter() - start, "compile": compile_s}}))
"""
OURS = """
from sklearn_pylearn.neural_network import MLPClassifier
from sklearn_pylearn import compile_stats
MLPClassifier({args}, random_state=0).fit(X, y)
compile_s = compile_stats()["compile_seconds"]
"""
SKLEARN = """
from sklearn.neural_network import MLPClassifier
MLPClassifier((64,), max_iter=50, random_state=0).fit(X, y)
compile_s = 0.0
"""
DEFAULT = "(64,), max_iter=50"
UNSEEN = "(64, 32), activation='tanh', max_iter=50"


def _run(code, home, **env_extra):
    env = {**os.environ, "HOME": str(home), **env_extra}
    env.pop("PYTENSOR_FLAGS", None)
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )
    if proc.returncode:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fit(home, args=DEFAULT, **env):
    return _run(FIT.format(body=OURS.format(args=args)), home, **env)


def sklearn_fit(home):
    return _run(FIT.format(body=SKLEARN), home)


def warm_up(home):
    env = {**os.environ, "HOME": str(home)}
    env.pop("PYTENSOR_FLAGS", None)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "sklearn_pylearn", "warmup", "--no-progress"],
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def measure(repeat):
    med = statistics.median
    with tempfile.TemporaryDirectory() as cold, tempfile.TemporaryDirectory() as warm:
        first = fit(Path(cold))
        print("empty caches, first fit:", first, flush=True)
        warmup_s = warm_up(Path(warm))
        print(f"warm-up on empty caches: {warmup_s:.1f} s", flush=True)
        unseen = fit(Path(warm), UNSEEN)
        ours = [fit(Path(warm)) for _ in range(repeat)]
        no_disk = [
            fit(Path(warm), SKLEARN_PYLEARN_NO_DISK_CACHE="1") for _ in range(repeat)
        ]
        sk = [sklearn_fit(Path(warm)) for _ in range(repeat)]
    walls = {
        "ours": med(r["wall"] for r in ours),
        "ours_compile": med(r["compile"] for r in ours),
        "no_disk": med(r["wall"] for r in no_disk),
        "no_disk_compile": med(r["compile"] for r in no_disk),
        "sklearn": med(r["wall"] for r in sk),
    }
    return first, warmup_s, unseen, walls


def report(first, warmup_s, unseen, walls, repeat):
    rows = [
        [
            "empty caches, no warm-up: first fit",
            f"{first['wall']:.2f}",
            f"{first['compile']:.2f}",
            f"{first['wall'] / walls['sklearn']:.1f}x",
        ],
        ["empty caches: the warm-up itself", f"{warmup_s:.1f}", "", ""],
        [
            "after warm-up: first fit",
            f"{walls['ours']:.2f}",
            f"{walls['ours_compile']:.2f}",
            f"{walls['ours'] / walls['sklearn']:.1f}x",
        ],
        [
            "after warm-up, no on-disk functions: first fit",
            f"{walls['no_disk']:.2f}",
            f"{walls['no_disk_compile']:.2f}",
            f"{walls['no_disk'] / walls['sklearn']:.1f}x",
        ],
        [
            "after warm-up: first fit of an unseen structure (64, 32) tanh",
            f"{unseen['wall']:.2f}",
            f"{unseen['compile']:.2f}",
            "",
        ],
        ["scikit-learn: first fit", f"{walls['sklearn']:.2f}", "", "1.0x"],
    ]
    header = ["fresh process", "wall s (incl. import)", "compile s", "/ sklearn"]
    load = os.getloadavg()[0]
    return (
        "`python benchmarks/bench_cold_compile.py`: `MLPClassifier((64,), "
        "max_iter=50).fit` on digits in fresh processes, each with its own "
        f"`HOME`; medians of {repeat} runs after the warm-up, single runs "
        f"otherwise; load average {load:.1f} on {os.cpu_count()} cores.\n\n"
        + markdown_table(header, rows)
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    text = report(*measure(args.repeat), args.repeat)
    print(text)
    if not args.no_write:
        replace_section(
            Path(__file__).with_name("README.md"), "bench_cold_compile", text
        )


if __name__ == "__main__":
    main()
