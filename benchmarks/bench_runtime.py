"""Runtime benchmark: VM overhead per step, batched reads, merged calls, checkpoints.

Each figure is the median of several runs, measured side by side in one process:

1. per-step overhead of the VirtualMachine against a plain Python loop calling the
   same method (CALL, a CALL+FILT pair, and with a History hook);
2. ``BUFFER_REPEAT(n, CALL(data.next_batch))`` against its batched form;
3. a SEQ of chained affine maps against the merged single call;
4. the time to write one atomic checkpoint of the fixture training program.

Run: ``python benchmarks/bench_runtime.py [--quick]``.
"""

from __future__ import annotations

import os

# one BLAS thread: on small machines threaded matmuls make the figures noisy
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from _common import median_time

from sklearn_pylearn.runtime import (
    BUFFER_REPEAT,
    CALL,
    FILT,
    REPEAT,
    SEQ,
    History,
    VirtualMachine,
    optimize,
    write_checkpoint,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.runtime.fixtures import (  # noqa: E402
    NumpyAffine,
    RegressionData,
    make_context,
    make_program,
)


class Counter:
    def __init__(self) -> None:
        self.n = 0

    def tick(self) -> int:
        self.n += 1
        return self.n

    def add(self, x: int) -> int:
        return x + 1


def run(program, context, hooks=()) -> None:
    VirtualMachine(program, context, hooks).run(handle_signals=False)


def bench_overhead(n: int, repeats: int) -> list[tuple[str, float, float]]:
    counter = Counter()

    def plain_loop():
        for _ in range(n):
            counter.tick()

    def plain_pair():
        for _ in range(n // 2):
            counter.add(counter.tick())

    base = median_time(plain_loop, repeats, warmup=0) / n
    pair_base = median_time(plain_pair, repeats, warmup=0) / n
    call = REPEAT(n, CALL("c.tick"))
    pair = REPEAT(n // 2, SEQ([CALL("c.tick"), FILT("c.add")]))
    vm_call = median_time(lambda: run(call, {"c": counter}), repeats, warmup=0) / n
    vm_pair = median_time(lambda: run(pair, {"c": counter}), repeats, warmup=0) / n
    vm_hist = (
        median_time(lambda: run(call, {"c": counter}, [History()]), repeats, warmup=0)
        / n
    )
    return [
        ("plain loop: c.tick()", base, 1.0),
        ("VM: REPEAT(n, CALL(c.tick))", vm_call, vm_call / base),
        ("VM + History hook", vm_hist, vm_hist / base),
        ("plain loop: c.add(c.tick())", pair_base, 1.0),
        ("VM: CALL(c.tick) + FILT(c.add)", vm_pair, vm_pair / pair_base),
    ]


def time_vm(program, make_ctx: Callable[[], dict], repeats: int) -> float:
    """Median seconds to run ``program`` on a fresh context (built untimed)."""
    times = []
    for _ in range(repeats):
        vm = VirtualMachine(program, make_ctx())
        start = time.perf_counter()
        vm.run(handle_signals=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class DataFactory:
    def __init__(self, n: int, batch_size: int, n_features: int) -> None:
        self.args = (n * batch_size, n_features, batch_size)

    def __call__(self) -> dict:
        return {"data": RegressionData(*self.args)}


def bench_batched(n: int, reads: int, repeats: int) -> list[tuple[str, float, float]]:
    rows = []
    for batch_size, n_features in ((8, 5), (64, 100)):
        program = REPEAT(
            reads, CALL("data.shuffle"), BUFFER_REPEAT(n, CALL("data.next_batch"))
        )
        make_ctx = DataFactory(n, batch_size, n_features)
        fast_program, _ = optimize(program, make_ctx())
        slow = time_vm(program, make_ctx, repeats) / reads
        fast = time_vm(fast_program, make_ctx, repeats) / reads
        label = f"{n} batches of {batch_size}x{n_features}"
        rows.append((f"BUFFER_REPEAT read, {label}", slow, 1.0))
        rows.append((f"batched read,       {label}", fast, slow / fast))
    return rows


def bench_merge(n_calls: int, repeats: int) -> list[tuple[str, float, float]]:
    rows = []
    for width, batch, calls in ((4, 2, n_calls), (256, 64, max(n_calls // 10, 10))):
        rng = np.random.default_rng(0)
        names = ["f1", "f2", "f3", "f4"]
        context: dict = {
            name: NumpyAffine(
                rng.normal(size=(width, width)) / width, rng.normal(size=width)
            )
            for name in names
        }
        context["src"] = Source(rng.normal(size=(batch, width)))
        program = REPEAT(calls, SEQ([CALL("src.read"), *[FILT(n) for n in names]]))
        merged, merged_context = optimize(program, context)
        slow = time_vm(program, context.copy, repeats) / calls
        fast = time_vm(merged, merged_context.copy, repeats) / calls
        label = f"4 affine maps {width}x{width}, batch {batch}"
        rows.append((f"SEQ of FILTs,  {label}", slow, 1.0))
        rows.append((f"merged call,   {label}", fast, slow / fast))
    return rows


class Source:
    def __init__(self, x: np.ndarray) -> None:
        self.x = x

    def read(self) -> np.ndarray:
        return self.x


def bench_checkpoint(repeats: int) -> list[tuple[str, float, float]]:
    vm = VirtualMachine(make_program(4, 25), make_context(25), [History()])
    vm.run(max_steps=100, handle_signals=False)
    times = []
    with tempfile.TemporaryDirectory() as directory:
        for _ in range(repeats):
            start = time.perf_counter()
            write_checkpoint(directory, vm.get_state(), step=vm.steps, keep_last=2)
            times.append(time.perf_counter() - start)
    return [("atomic checkpoint write (fixture, fsync)", statistics.median(times), 1.0)]


def show(title: str, rows: list[tuple[str, float, float]]) -> None:
    print(f"\n{title}")
    for name, seconds, ratio in rows:
        print(f"  {name:<52} {seconds * 1e6:10.2f} us   x{ratio:6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter runs")
    args = parser.parse_args()
    scale, repeats = (10, 3) if args.quick else (1, 5)
    show(
        "1. per-step time (median; ratio against the plain loop)",
        bench_overhead(100_000 // scale, repeats),
    )
    show(
        "2. reading n minibatches (median per read; ratio = speedup)",
        bench_batched(256, 200 // scale, repeats),
    )
    show(
        "3. one pass through 4 chained maps (median; ratio = speedup)",
        bench_merge(2_000 // scale, repeats),
    )
    show("4. checkpoint (median per write)", bench_checkpoint(repeats * 3))


if __name__ == "__main__":
    main()
