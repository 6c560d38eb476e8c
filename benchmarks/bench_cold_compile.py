"""Cold and warm compile cost of the demo job, per PyTensor compile mode.

Each run is a fresh Python process running the demo (``python -m sklearn_pylearn
demo``, through its ``main``).
*Cold*: a new, empty PyTensor compile directory and Numba cache directory (through
``PYTENSOR_FLAGS=base_compiledir=...`` and ``NUMBA_CACHE_DIR``), as on a fresh
machine. *Warm*: the same directories again, as on every later run. Prints the
median compile seconds (``compile_stats()["compile_seconds"]``, which includes
Numba's lazy first-call JIT) and the process wall time.

    python benchmarks/bench_cold_compile.py [--repeat 3] [--write]
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

JOB = """
import contextlib, io, json, sklearn_pylearn
from sklearn_pylearn.__main__ import main
mode = {mode!r}
sklearn_pylearn.set_config(compile_mode=None if mode == "default" else mode)
with contextlib.redirect_stdout(io.StringIO()):
    main(["demo"])
print(json.dumps({{"stats": sklearn_pylearn.compile_stats()}}))
"""

MODES = ["default", "FAST_COMPILE", "CVM"]


def run_once(mode, cache_root):
    env = dict(os.environ)
    env["PYTENSOR_FLAGS"] = f"base_compiledir={cache_root / 'pytensor'}"
    env["NUMBA_CACHE_DIR"] = str(cache_root / "numba")
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", JOB.format(mode=mode)],
        env=env, capture_output=True, text=True, check=True,
    )
    wall = time.perf_counter() - start
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result["stats"]["compile_seconds"], wall, result["stats"]["compiles"]


def measure(mode, repeat):
    cold, warm, walls_cold, walls_warm = [], [], [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            seconds, wall, compiles = run_once(mode, root)
            cold.append(seconds)
            walls_cold.append(wall)
            seconds, wall, _ = run_once(mode, root)
            warm.append(seconds)
            walls_warm.append(wall)
    med = statistics.median
    return [mode, str(compiles), f"{med(cold):.2f}", f"{med(warm):.2f}",
            f"{med(walls_cold):.2f}", f"{med(walls_warm):.2f}"]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    header = ["mode", "graphs compiled", "cold compile s", "warm compile s",
              "cold process wall s", "warm process wall s"]
    rows = []
    for mode in MODES:
        rows.append(measure(mode, args.repeat))
        print(" | ".join(rows[-1]), flush=True)
    text = markdown_table(header, rows)
    print(text)
    if args.write:
        body = (
            f"The demo job in fresh processes; medians of {args.repeat} cold runs "
            "(empty PyTensor and Numba cache directories) and of the warm run that "
            "follows each. `default` is PyTensor's own default mode (Numba).\n\n"
            + text
        )
        replace_section(Path(__file__).with_name("README.md"), "bench_cold_compile",
                        body)


if __name__ == "__main__":
    main()
