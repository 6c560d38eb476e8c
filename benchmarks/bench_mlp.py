"""MLPClassifier training against scikit-learn and PyTorch (CPU, 2 threads).

``python benchmarks/bench_mlp.py [--repeat 3] [--no-write]
[--activations-only | --steps-only]``

Data: ``make_classification(60000, 100 features, 40 informative, 10 classes)``; one
hidden layer of 256 relu units, batch 256, SGD with learning rate 0.05 and no
momentum, 5 epochs, no L2 penalty (alpha=0, so that the three contenders run the
same optimiser), float64 and float32. Each contender is timed in its own block
(median of ``--repeat`` runs after one warm-up run; our compile happens in the
warm-up and is reported separately). Then a GridSearchCV over learning_rate_init
(3 values) x alpha (2 values), cv=3, against the same grid with scikit-learn's
MLPClassifier, with n_jobs=1 and n_jobs=2 (loky), reporting our compile count
and the share of time spent compiling. Writes the ``bench_mlp`` section of
``benchmarks/README.md`` unless ``--no-write``.

``--activations-only`` times the same training with relu, logistic and tanh
hidden units (ours with and without the vectorized kernels, and PyTorch), then
one training step per activation on a fixed minibatch, every contender once per
round (issue 12's goal: a logistic step no slower relative to PyTorch than a relu
one); it writes the ``bench_mlp_activations`` section. ``--steps-only`` prints
the per-step table alone.
"""

import argparse
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, median_time, replace_section  # noqa: E402

N_SAMPLES, N_FEATURES, N_INFORMATIVE, N_CLASSES = 60000, 100, 40, 10
HIDDEN, BATCH, LR, EPOCHS = 256, 256, 0.05, 5
SETTINGS = dict(
    hidden_layer_sizes=(HIDDEN,),
    batch_size=BATCH,
    solver="sgd",
    learning_rate_init=LR,
    momentum=0.0,
    alpha=0.0,
    max_iter=EPOCHS,
    tol=0.0,
    random_state=0,
)


def _data():
    from sklearn.datasets import make_classification

    X, y = make_classification(
        N_SAMPLES,
        N_FEATURES,
        n_informative=N_INFORMATIVE,
        n_classes=N_CLASSES,
        random_state=0,
    )
    return X, y


def time_ours(X, y, dtype, repeat, activation="relu"):
    from sklearn_pylearn import compile_stats
    from sklearn_pylearn.neural_network import MLPClassifier

    settings = {**SETTINGS, "activation": activation, "dtype": dtype}
    c0 = compile_stats()
    start = time.perf_counter()
    MLPClassifier(**settings).fit(X, y)
    cold = time.perf_counter() - start
    c1 = compile_stats()
    box = {}

    def run():
        box["model"] = MLPClassifier(**settings).fit(X, y)

    t = median_time(run, repeat=repeat, warmup=0)
    acc = box["model"].score(X, y)
    return t, acc, cold, c1["compile_seconds"] - c0["compile_seconds"]


def time_sklearn(X, y, dtype, repeat):
    from sklearn.neural_network import MLPClassifier

    Xd = X.astype(dtype)
    box = {}

    def run():
        box["model"] = MLPClassifier(**SETTINGS).fit(Xd, y)

    t = median_time(run, repeat=repeat, warmup=0)
    return t, box["model"].score(Xd, y)


def time_torch(X, y, dtype, repeat, activation="relu"):
    import torch

    act = {"relu": torch.nn.ReLU, "logistic": torch.nn.Sigmoid, "tanh": torch.nn.Tanh}

    torch.set_num_threads(2)
    tdtype = torch.float64 if dtype == "float64" else torch.float32
    Xt = torch.as_tensor(X, dtype=tdtype)
    yt = torch.as_tensor(y, dtype=torch.long)
    box = {}

    def run():
        torch.manual_seed(0)
        model = torch.nn.Sequential(
            torch.nn.Linear(N_FEATURES, HIDDEN),
            act[activation](),
            torch.nn.Linear(HIDDEN, N_CLASSES),
        ).to(tdtype)
        opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.0)
        loss_fn = torch.nn.CrossEntropyLoss()
        for _ in range(EPOCHS):
            perm = torch.randperm(len(Xt))
            for i in range(0, len(Xt), BATCH):
                idx = perm[i : i + BATCH]
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(Xt[idx]), yt[idx])
                loss.backward()
                opt.step()
        box["model"] = model

    t = median_time(run, repeat=repeat, warmup=1)
    with torch.no_grad():
        acc = (box["model"](Xt).argmax(1) == yt).double().mean().item()
    return t, acc


def bench_training(X, y, repeat):
    rows, details = [], {}
    for dtype in ("float64", "float32"):
        ours, acc, cold, comp = time_ours(X, y, dtype, repeat)
        sk, sk_acc = time_sklearn(X, y, dtype, repeat)
        try:
            th, th_acc = time_torch(X, y, dtype, repeat)
        except ImportError:
            th, th_acc = float("nan"), float("nan")
        details[dtype] = (cold, comp)
        goal_sk = sk / ours >= 1.7 if dtype == "float64" else None
        goal_th = th / ours >= 1.0
        rows.append(
            [
                dtype,
                f"{ours:.2f}",
                f"{sk:.2f}",
                f"{th:.2f}",
                f"{sk / ours:.2f}"
                + ("" if goal_sk is None else (" ✓" if goal_sk else " ✗")),
                f"{th / ours:.2f}" + (" ✓" if goal_th else " ✗"),
                f"{acc:.4f} / {sk_acc:.4f} / {th_acc:.4f}",
                f"{cold:.2f} ({comp:.2f})",
            ]
        )
        print(rows[-1], flush=True)
    header = [
        "dtype",
        "ours (s)",
        "sklearn (s)",
        "torch (s)",
        "sklearn / ours (goal >= 1.7, float64)",
        "torch / ours (goal >= 1)",
        "train accuracy ours / sklearn / torch",
        "our first fit (compile s)",
    ]
    return markdown_table(header, rows)


def bench_activations(X, y, repeat):
    """relu against logistic (and tanh), ours with the vectorized kernels of
    ``symbolic/fastmath.py`` and with Numba's libm calls, against PyTorch."""
    rows = []
    for activation in ("relu", "logistic", "tanh"):
        for dtype in ("float64", "float32"):
            fast = time_ours(X, y, dtype, repeat, activation)[0]
            os.environ["SKLEARN_PYLEARN_NO_FAST_MATH"] = "1"
            try:
                libm = time_ours(X, y, dtype, repeat, activation)[0]
            finally:
                del os.environ["SKLEARN_PYLEARN_NO_FAST_MATH"]
            th = time_torch(X, y, dtype, repeat, activation)[0]
            rows.append(
                [
                    activation,
                    dtype,
                    f"{fast:.2f}",
                    f"{libm:.2f}",
                    f"{th:.2f}",
                    f"{th / fast:.2f}",
                    f"{th / libm:.2f}",
                ]
            )
            print(rows[-1], flush=True)
    header = [
        "activation",
        "dtype",
        "ours (s)",
        "ours, libm kernels (s)",
        "torch (s)",
        "torch / ours",
        "torch / ours, libm (before)",
    ]
    return markdown_table(header, rows)


def _our_step_loop(X, y, dtype, activation, steps):
    """``steps`` calls of the compiled training step ``fit`` runs per minibatch,
    on one fixed minibatch, parameters carried from call to call."""
    from sklearn_pylearn.neural_network import MLPClassifier

    settings = {**SETTINGS, "activation": activation, "dtype": dtype, "max_iter": 1}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MLPClassifier(**settings).fit(X[: 8 * BATCH], y[: 8 * BATCH])
    step = model._train_step()  # the memoised step of the fit above
    params = [*model.coefs_, *model.intercepts_]
    state = step.init_state(params)
    Xb = np.ascontiguousarray(X[:BATCH], dtype=dtype)
    Yb = np.eye(N_CLASSES, dtype=dtype)[y[:BATCH]]
    sw = np.ones(BATCH, dtype=dtype)
    hyper, solver_params = {"alpha": 0.0}, {"momentum": 0.0}

    def loop():
        p, st = params, state
        for t in range(1, steps + 1):
            p, st, _ = step(p, st, Xb, Yb, sw, LR, hyper, solver_params, t)

    return loop


def _torch_step_loop(X, y, dtype, activation, steps):
    """The same for PyTorch: forward, backward and SGD update of one minibatch."""
    import torch

    act = {"relu": torch.nn.ReLU, "logistic": torch.nn.Sigmoid, "tanh": torch.nn.Tanh}
    torch.set_num_threads(2)
    tdtype = torch.float64 if dtype == "float64" else torch.float32
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(N_FEATURES, HIDDEN),
        act[activation](),
        torch.nn.Linear(HIDDEN, N_CLASSES),
    ).to(tdtype)
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.0)
    loss_fn = torch.nn.CrossEntropyLoss()
    Xb = torch.as_tensor(X[:BATCH], dtype=tdtype)
    yb = torch.as_tensor(y[:BATCH], dtype=torch.long)

    def loop():
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            loss_fn(model(Xb), yb).backward()
            opt.step()

    return loop


def bench_steps(X, y, rounds, steps=200):
    """Per-step cost of each activation, ours and PyTorch's, timed in
    interleaved rounds (every contender once per round) so that a slow spell
    of the machine hits all of them; medians over the rounds."""
    rows = []
    for dtype in ("float64", "float32"):
        loops = {}
        for activation in ("relu", "logistic", "tanh"):
            loops["ours", activation] = _our_step_loop(X, y, dtype, activation, steps)
            loops["torch", activation] = _torch_step_loop(
                X, y, dtype, activation, steps
            )
        times = {name: [] for name in loops}
        for loop in loops.values():
            loop()  # warm-up: first calls, allocator, BLAS threads
        for _ in range(rounds):
            for name, loop in loops.items():
                start = time.perf_counter()
                loop()
                times[name].append(time.perf_counter() - start)
        us = {name: statistics.median(t) / steps * 1e6 for name, t in times.items()}
        relu = us["torch", "relu"] / us["ours", "relu"]
        for activation in ("relu", "logistic", "tanh"):
            ratio = us["torch", activation] / us["ours", activation]
            goal = ""
            if activation == "logistic":
                goal = " ✓" if ratio >= relu else " ✗"
            rows.append(
                [
                    activation,
                    dtype,
                    f"{us['ours', activation]:.0f}",
                    f"{us['torch', activation]:.0f}",
                    f"{ratio:.2f}",
                    f"{ratio / relu:.2f}{goal}",
                ]
            )
            print(rows[-1], flush=True)
    header = [
        "activation",
        "dtype",
        "ours (µs / step)",
        "torch (µs / step)",
        "torch / ours",
        "torch / ours, relative to relu (goal >= 1 for logistic)",
    ]
    return markdown_table(header, rows)


def _step_rounds(repeat):
    # Per-step rounds are short: more of them than whole-fit repeats, and odd.
    return max(7, 2 * repeat + 1)


def bench_grid(repeat):
    from sklearn.datasets import make_classification
    from sklearn.model_selection import GridSearchCV
    from sklearn.neural_network import MLPClassifier as SkMLP

    from sklearn_pylearn import clear_compile_cache, compile_stats
    from sklearn_pylearn.neural_network import MLPClassifier

    X, y = make_classification(
        6000, 100, n_informative=40, n_classes=10, random_state=0
    )
    grid = {"learning_rate_init": [0.01, 0.05, 0.1], "alpha": [1e-4, 1e-2]}
    kw = dict(
        hidden_layer_sizes=(64,), solver="sgd", max_iter=5, tol=0.0, random_state=0
    )
    rows = []
    for n_jobs in (1, 2):
        clear_compile_cache()
        start = time.perf_counter()
        GridSearchCV(MLPClassifier(**kw), grid, cv=3, n_jobs=n_jobs).fit(X, y)
        first = time.perf_counter() - start
        stats = compile_stats()
        if n_jobs == 1:
            compiles = stats["compiles"]
            share = stats["compile_seconds"] / first
            how = f"{compiles} in this process, {share:.0%} of the first search"
        else:
            from joblib import Parallel, delayed

            seen = Parallel(n_jobs=2)(delayed(compile_stats)() for _ in range(8))
            per = sorted({s["compiles"] for s in seen})
            how = f"per worker: {per}"
        ours = median_time(
            lambda n_jobs=n_jobs: GridSearchCV(
                MLPClassifier(**kw), grid, cv=3, n_jobs=n_jobs
            ).fit(X, y),
            repeat=repeat,
            warmup=0,
        )
        sk = median_time(
            lambda n_jobs=n_jobs: GridSearchCV(
                SkMLP(**kw), grid, cv=3, n_jobs=n_jobs
            ).fit(X, y),
            repeat=repeat,
            warmup=0,
        )
        rows.append(
            [
                str(n_jobs),
                f"{first:.2f}",
                f"{ours:.2f}",
                f"{sk:.2f}",
                f"{sk / ours:.2f}",
                how,
            ]
        )
        print(rows[-1], flush=True)
    header = [
        "n_jobs",
        "ours, cold cache (s)",
        "ours, warm (s)",
        "sklearn (s)",
        "sklearn / ours (warm)",
        "compiles",
    ]
    return markdown_table(header, rows)


NOTES = """\
Notes. Over the runs of this session (medians of 3 to 5 each; the lowest ratios came
from runs with tests running beside them), our
float64 training took 0.64-0.70 s against scikit-learn's 1.00-1.10 s (ratio 1.50-1.70,
against a goal of 1.7) and PyTorch's 0.65-0.89 s (ratio 0.83-1.04, goal 1.0). The
training step is one compiled function per minibatch and about 83% of the fit is
inside it (profiled): the Python around it (VM step, minibatch gather) costs about
0.1 ms per step. The step does about 30 MFLOP, so 5 epochs run at about 55 GFLOP/s,
while this VM's float64 GEMM peaks at 66-104 GFLOP/s for these shapes; PyTorch lands
at the same speed, so the remaining gap to 1.7x is small and would have to come from
the products themselves (not tried: running several minibatches per call with
`scan`). float32 timings are bimodal per process on this VM: a whole process runs our
float32 fit at either about 0.43 s or about 0.69 s (seen in separate processes
running the same code), which moves the float32 ratio against PyTorch between 0.85
and 1.01; float64 does not show it. The first fit in a process pays the compile
(about 0.4 s warm, several seconds on empty caches); a grid search compiles the
training step once per process (per worker with n_jobs=2)."""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument(
        "--activations-only",
        action="store_true",
        help="only relu / logistic / tanh (section bench_mlp_activations)",
    )
    parser.add_argument(
        "--steps-only",
        action="store_true",
        help="only the per-step table of --activations-only; prints, never writes",
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    import pytensor
    import sklearn

    import sklearn_pylearn

    X, y = _data()
    if args.steps_only:
        print(bench_steps(X, y, _step_rounds(args.repeat)))
        return None
    if args.activations_only:
        return _activations_only(X, y, args)
    training = bench_training(X, y, args.repeat)
    grid = bench_grid(args.repeat)
    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        torch_version = "not installed"
    load = os.getloadavg()[0]
    body = (
        f"`python benchmarks/bench_mlp.py` (60000 x 100, 10 classes, 256 relu "
        f"units, batch 256, SGD lr 0.05 without momentum, alpha=0, 5 epochs; "
        f"medians of {args.repeat} runs; {platform.machine()}, {os.cpu_count()} "
        f"cores, load average {load:.1f}; sklearn_pylearn "
        f"{sklearn_pylearn.__version__}, scikit-learn {sklearn.__version__}, "
        f"PyTensor {pytensor.__version__}, PyTorch {torch_version} (2 threads), "
        f"NumPy {np.__version__}.)\n\nTraining:\n\n{training}\n\n"
        "GridSearchCV(MLPClassifier(64 relu units, sgd, 5 epochs), "
        "learning_rate_init x alpha = 3 x 2, cv=3) on 6000 x 100:\n\n"
        f"{grid}\n\n{NOTES}\n"
    )
    print(body)
    if not args.no_write:
        replace_section(Path(__file__).parent / "README.md", "bench_mlp", body)


def _activations_only(X, y, args):
    load = os.getloadavg()[0]
    table = bench_activations(X, y, args.repeat)
    rounds = _step_rounds(args.repeat)
    steps = bench_steps(X, y, rounds)
    body = (
        "`python benchmarks/bench_mlp.py --activations-only` (the training of the "
        "table above with each hidden activation; medians of "
        f"{args.repeat} runs; load average {load:.1f} -> {os.getloadavg()[0]:.1f}). "
        "`libm kernels` is the same fit with `SKLEARN_PYLEARN_NO_FAST_MATH=1`, "
        "as before the vectorized kernels.\n\n" + table + "\n\n"
        "One training step (forward, backward, SGD update of a 256-row "
        "minibatch, parameters carried from step to step; ours is the compiled "
        "step `fit` calls, PyTorch's the loop above), 200 steps per contender "
        f"per round, every contender once per round, medians of {rounds} "
        f"rounds (load average now {os.getloadavg()[0]:.1f}):\n\n" + steps + "\n"
    )
    print(body)
    if not args.no_write:
        replace_section(
            Path(__file__).parent / "README.md", "bench_mlp_activations", body
        )


if __name__ == "__main__":
    main()
