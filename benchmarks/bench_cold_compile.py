"""First use: empty caches, the warm-up, and fresh processes after it.

Every figure comes from a fresh Python process with its own ``HOME``, so that
PyTensor's compile directory (Numba's per-op kernels and our on-disk functions,
``sklearn_pylearn_functions``) is empty or warmed as the scenario needs.
scikit-learn runs the same fit in a fresh process of its own, side by side.

a. *Empty caches, no warm-up* (a new ``HOME``): the first
   ``MLPClassifier(hidden_layer_sizes=(64,), max_iter=50).fit`` on digits and the
   first ``predict`` after it (wall and compile seconds), and the warm-up's own
   duration (``python -m sklearn_pylearn warmup``) in another new ``HOME``.
b. *After the warm-up*, in the warmed ``HOME``: the first ``MLPClassifier().fit``
   on digits, wall time including the import of the estimator module, against
   scikit-learn's (import included); medians of ``--repeat`` processes. Goal
   (issue 12): at most 2x.
c. *A structure the warm-up did not see* (three hidden layers of tanh units):
   its first fit's compile seconds. Goal: at most 4 s.
d. *The on-disk functions*: two more fresh processes fit the structure of (c),
   now on disk, with the cache on and off (``SKLEARN_PYLEARN_NO_DISK_CACHE=1``):
   what loading the rewritten functions saves. Needs (c), which it runs.

The warm-up runs whenever b, c or d is chosen (they need it) or a is (it is
part of a's figures); ``--warm-home`` reuses a ``HOME`` warmed before instead.
A subset (``--only``, ``--jobs``, ``--dtype``) prints its table but does not
update the README, whose section holds a complete run.

    python benchmarks/bench_cold_compile.py [--only a,b,c,d] [--repeat 3]
        [--jobs "MLPClassifier(relu, adam)"] [--dtype float64]
        [--warm-home DIR] [--no-write]

The smallest end-to-end check (a few minutes on an idle machine):

    python benchmarks/bench_cold_compile.py --jobs "MLPClassifier(relu, adam)" \\
        --dtype float64 --repeat 1 --max-iter 3 --no-write
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

CHILD = """
import json, time, warnings
warnings.simplefilter("ignore")
from sklearn.datasets import load_digits
X, y = load_digits(return_X_y=True)
start = time.perf_counter()
{imports}
imported = time.perf_counter()
model = MLPClassifier({args}).fit(X, y)
fitted = time.perf_counter()
fit_compile = {compile_seconds}
model.predict(X)
predicted = time.perf_counter()
print(json.dumps({{
    "import": imported - start,
    "fit": fitted - imported,
    "wall": fitted - start,
    "predict": predicted - fitted,
    "compile": fit_compile,
    "predict_compile": {compile_seconds} - fit_compile,
    "disk_loads": {disk_loads},
}}))
"""
OURS = {
    "imports": "from sklearn_pylearn.neural_network import MLPClassifier\n"
    "from sklearn_pylearn import compile_stats",
    "compile_seconds": 'compile_stats()["compile_seconds"]',
    "disk_loads": 'compile_stats()["disk_loads"]',
}
SKLEARN = {
    "imports": "from sklearn.neural_network import MLPClassifier",
    "compile_seconds": "0.0",
    "disk_loads": "0",
}
FIRST = "hidden_layer_sizes=(64,), max_iter=50, random_state=0"
DEFAULT = "random_state=0"
UNSEEN = (
    "hidden_layer_sizes=(64, 32, 16), activation='tanh', max_iter=50, random_state=0"
)
SCENARIOS = ("a", "b", "c", "d")


def _env(home, **extra):
    env = {**os.environ, "HOME": str(home), **extra}
    # Nothing may move the caches out of HOME or change the compile mode.
    for name in ("PYTENSOR_FLAGS", "PYTENSOR_COMPILEDIR", "NUMBA_CACHE_DIR"):
        env.pop(name, None)
    return env


def run_fit(home, args, library=OURS, **env):
    """One fresh process: import, first fit and first predict; its figures."""
    code = CHILD.format(args=args, **library)
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(home, **env),
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        raise RuntimeError(f"fit {args!r} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_warmup(home, jobs, dtypes):
    """``python -m sklearn_pylearn warmup`` in ``home``; its wall seconds."""
    command = [sys.executable, "-m", "sklearn_pylearn", "warmup", "--no-progress"]
    command += [arg for job in jobs for arg in ("--job", job)]
    command += [arg for dtype in dtypes for arg in ("--dtype", dtype)]
    start = time.perf_counter()
    proc = subprocess.run(command, env=_env(home), capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"warm-up failed:\n{proc.stderr[-3000:]}")
    return time.perf_counter() - start


def _log(label, result):
    print(f"  {label}: {json.dumps(result)}", flush=True)


def _with_max_iter(args, max_iter):
    if max_iter is None:
        return args
    kept = [a for a in args.split(", ") if not a.startswith("max_iter=")]
    return ", ".join([*kept, f"max_iter={max_iter}"])


def settings(max_iter=None):
    """The estimator arguments of scenarios a, b and c (c's serve d too)."""
    chosen = {"a": FIRST, "b": DEFAULT, "c": UNSEEN}
    return {k: _with_max_iter(v, max_iter) for k, v in chosen.items()}


def measure(only, repeat, jobs, dtypes, warm_home=None, max_iter=None):
    """Run the chosen scenarios; a dict of their raw figures."""
    med = statistics.median
    fits = settings(max_iter)
    figures = {"args": fits}
    with tempfile.TemporaryDirectory() as cold, tempfile.TemporaryDirectory() as tmp:
        if "a" in only:
            print("a. empty caches, no warm-up", flush=True)
            figures["a"] = run_fit(Path(cold), fits["a"])
            _log("ours", figures["a"])
            figures["a_sklearn"] = run_fit(Path(cold), fits["a"], SKLEARN)
            _log("scikit-learn", figures["a_sklearn"])
        home = Path(warm_home) if warm_home else Path(tmp)
        if not warm_home:
            figures["warmup"] = run_warmup(home, jobs, dtypes)
            print(f"warm-up on empty caches: {figures['warmup']:.1f} s", flush=True)
        if "b" in only:
            print("b. after the warm-up: first MLPClassifier().fit", flush=True)
            ours = [run_fit(home, fits["b"]) for _ in range(repeat)]
            theirs = [run_fit(home, fits["b"], SKLEARN) for _ in range(repeat)]
            for label, runs in (("ours", ours), ("scikit-learn", theirs)):
                for run in runs:
                    _log(label, run)
            figures["b"] = {k: med(r[k] for r in ours) for k in ours[0]}
            figures["b_sklearn"] = {k: med(r[k] for r in theirs) for k in theirs[0]}
        if "c" in only or "d" in only:
            print("c. a structure the warm-up did not see", flush=True)
            figures["c"] = run_fit(home, fits["c"])
            _log("ours", figures["c"])
            figures["c_sklearn"] = run_fit(home, fits["c"], SKLEARN)
        if "d" in only:
            print("d. the same structure again: on-disk functions on / off", flush=True)
            figures["d_on"] = run_fit(home, fits["c"])
            _log("disk cache on", figures["d_on"])
            figures["d_off"] = run_fit(
                home, fits["c"], SKLEARN_PYLEARN_NO_DISK_CACHE="1"
            )
            _log("disk cache off", figures["d_off"])
    return figures


def _goal(ratio, limit):
    return f"{'✓' if ratio <= limit else '✗'} (<= {limit:g})"


def _row(label, ours, theirs=None, goal=""):
    wall = f"{ours['wall']:.2f}"
    compile_s = f"{ours['compile']:.2f}"
    if theirs is None:
        return [label, wall, compile_s, "", "", goal]
    ratio = ours["wall"] / theirs["wall"]
    return [label, wall, compile_s, f"{theirs['wall']:.2f}", f"{ratio:.1f}x", goal]


def rows(figures):
    """The table's rows for the scenarios that ran."""
    out = []
    names = {
        k: "MLPClassifier("
        + ", ".join(a for a in v.split(", ") if not a.startswith("random_state"))
        + ")"
        for k, v in figures["args"].items()
    }
    if "a" in figures:
        a, sk = figures["a"], figures["a_sklearn"]
        out.append(_row(f"a. empty caches, no warm-up: first {names['a']}.fit", a, sk))
        predict = {"wall": a["predict"], "compile": a["predict_compile"]}
        out.append(
            _row(
                "a. empty caches, no warm-up: first predict after it",
                predict,
                {"wall": sk["predict"]},
            )
        )
    if "warmup" in figures:
        out.append(
            [
                "the warm-up itself, empty caches",
                f"{figures['warmup']:.1f}",
                "",
                "",
                "",
                "",
            ]
        )
    if "b" in figures:
        b, sk = figures["b"], figures["b_sklearn"]
        ratio = b["wall"] / sk["wall"]
        out.append(
            _row(f"b. after warm-up: first {names['b']}.fit", b, sk, _goal(ratio, 2))
        )
    if "c" in figures:
        c = figures["c"]
        out.append(
            _row(
                f"c. after warm-up, unseen structure: first {names['c']}.fit",
                c,
                figures["c_sklearn"],
                "compile " + _goal(c["compile"], 4),
            )
        )
    if "d_on" in figures:
        on, off = figures["d_on"], figures["d_off"]
        saved = off["compile"] - on["compile"]
        out.append(
            _row(f"d. c again, disk cache on ({on['disk_loads']} functions loaded)", on)
        )
        out.append(
            _row(
                "d. c again, disk cache off",
                off,
                None,
                f"saves {saved:.2f} s compile",
            )
        )
    return out


def report(figures, args):
    header = [
        "fresh process",
        "ours wall s (incl. import)",
        "ours compile s",
        "sklearn wall s",
        "ours / sklearn",
        "goal",
    ]
    load = os.getloadavg()[0]
    jobs = ", ".join(args.jobs) if args.jobs else "all jobs"
    dtypes = ", ".join(args.dtype) if args.dtype else "float64 and float32"
    return (
        "`python benchmarks/bench_cold_compile.py`: MLPClassifier on digits in "
        "fresh processes, each with its own `HOME`; b is the median of "
        f"{args.repeat} processes per side, the others single runs; warm-up: "
        f"{jobs}, {dtypes}; load average {load:.1f} on {os.cpu_count()} cores.\n\n"
        + markdown_table(header, rows(figures))
    )


def _parse_only(text):
    chosen = [s.strip() for s in text.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SCENARIOS))
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"--only takes a comma-separated subset of {','.join(SCENARIOS)}; "
            f"got {text!r}."
        )
    return chosen


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        type=_parse_only,
        default=list(SCENARIOS),
        help="scenarios to run, e.g. b,c (default: a,b,c,d)",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="processes per side in b (median)"
    )
    parser.add_argument(
        "--jobs",
        type=lambda s: [j for j in s.split(";") if j],
        default=None,
        help="warm-up jobs, separated by ';' (default: all; "
        "see python -m sklearn_pylearn warmup --list)",
    )
    parser.add_argument(
        "--dtype",
        action="append",
        choices=["float64", "float32"],
        help="warm-up dtype (repeatable; default: both)",
    )
    parser.add_argument("--warm-home", help="a HOME warmed before: skip the warm-up")
    parser.add_argument(
        "--max-iter",
        type=int,
        help="epochs of every fit (default: each scenario's own; "
        "a small value checks the script end to end quickly)",
    )
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    figures = measure(
        args.only,
        args.repeat,
        args.jobs or [],
        args.dtype or [],
        args.warm_home,
        args.max_iter,
    )
    text = report(figures, args)
    print(text)
    complete = list(args.only) == list(SCENARIOS) and not (
        args.jobs or args.dtype or args.warm_home or args.max_iter
    )
    if args.no_write:
        return
    if not complete:
        print("(a subset: README.md not updated)")
        return
    replace_section(Path(__file__).with_name("README.md"), "bench_cold_compile", text)


if __name__ == "__main__":
    main()
