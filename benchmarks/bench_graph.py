"""The layer graph against our MLPClassifier, and the seed's DBN example on digits.

``python benchmarks/bench_graph.py [--repeat 3] [--samples 20000] [--no-write]``

1. An MLP drawn with the graph (``graph.macros.MLP``, trained by its SGD learner's
   ``fit``, and through ``GraphClassifier``) against ``MLPClassifier`` on the same
   data and settings: ``make_classification(20000, 100 features, 10 classes)``,
   one hidden layer of 256 relu units, batch 256, SGD with learning rate 0.05, no
   momentum, no L2, no shuffling, 5 epochs, seed 0. Medians of ``--repeat`` runs
   after a warm-up (compiles happen there), measured side by side in this process;
   the ratio is graph time / MLPClassifier time. The final weights are compared.
2. The seed's example (layer_RP) verbatim on digits (scaled to [0, 1], 1500 rows
   to train, the rest to validate): CD-5 pre-training of both RBMs, then SGD on
   the cross-entropy; the validation accuracy is printed.

Writes the ``bench_graph`` section of ``benchmarks/README.md`` unless
``--no-write``.
"""

import argparse
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, median_time, replace_section  # noqa: E402

N_SAMPLES, N_FEATURES, N_CLASSES = 20000, 100, 10
HIDDEN, BATCH, LR, EPOCHS = 256, 256, 0.05, 5


def _data():
    from sklearn.datasets import make_classification

    return make_classification(
        N_SAMPLES, N_FEATURES, n_informative=40, n_classes=N_CLASSES, random_state=0
    )


def _mlp_classifier():
    from sklearn_pylearn.neural_network import MLPClassifier

    return MLPClassifier(
        hidden_layer_sizes=(HIDDEN,),
        batch_size=BATCH,
        solver="sgd",
        learning_rate_init=LR,
        momentum=0.0,
        alpha=0.0,
        max_iter=EPOCHS,
        tol=0.0,
        shuffle=False,
        random_state=0,
    )


def _graph_model(X=None, y=None):
    from sklearn_pylearn.graph import Input
    from sklearn_pylearn.graph.macros import MLP

    x = None if X is None else Input("x", X, batch_size=BATCH)
    yy = None if y is None else Input("y", y, batch_size=BATCH)
    return MLP(
        N_FEATURES,
        (HIDDEN,),
        N_CLASSES,
        activation="relu",
        learning_rate=LR,
        momentum=0.0,
        alpha=0.0,
        random_state=0,
        x=x,
        y=yy,
    )


def compare_mlp(X, y, repeat):
    from sklearn_pylearn.neural_network import GraphClassifier

    box = {}

    def ours():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            box["mlp"] = _mlp_classifier().fit(X, y)

    def graph():
        model = _graph_model(X, y)
        model["learner"].fit(EPOCHS)
        box["graph"] = model

    def bridge():
        box["bridge"] = GraphClassifier(
            _graph_model(),
            max_iter=EPOCHS,
            batch_size=BATCH,
            shuffle=False,
            tol=0.0,
            random_state=0,
        ).fit(X, y)

    runs = (("mlp", ours), ("graph", graph), ("bridge", bridge))
    for _, fn in runs:  # warm-up: every compile happens here
        fn()
    times, cpu = {}, {}
    for _ in range(repeat):  # interleaved, so that the machine's load hits all alike
        for name, fn in runs:
            start = time.process_time()
            times.setdefault(name, []).append(median_time(fn, repeat=1, warmup=0))
            cpu.setdefault(name, []).append(time.process_time() - start)
    medians = {k: float(np.median(v)) for k, v in times.items()}
    medians.update({f"{k}_cpu": float(np.median(v)) for k, v in cpu.items()})
    mlp_W = box["mlp"].coefs_[0]
    graph_W = box["graph"].parameters()[0].value
    bridge_W = box["bridge"].model_.parameters()[0].value
    return (
        medians,
        (
            float(np.abs(graph_W - mlp_W).max()),
            float(np.abs(bridge_W - mlp_W).max()),
        ),
        box["mlp"].score(X, y),
    )


def seed_example(pre_epochs, epochs):
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_train, y_train, X_valid, y_valid = X[:1500], y[:1500], X[1500:], y[1500:]
    start = time.perf_counter()
    from sklearn_pylearn.graph import (
        SGD,
        CDk,
        Input,
        class_error,
        cross_entropy,
        dotW_b,
        grad,
        sigmoid,
        softmax,
    )

    train_x, train_y = Input("x", X_train), Input("y", y_train)
    valid_x, valid_y = Input("x", X_valid), Input("y", y_valid)
    h1 = sigmoid(dotW_b(train_x, n=300, random_state=0))
    rbm1 = CDk(h1, train_x, k=5, sampler="binomial", cost="pseudolikelihood")
    h2 = sigmoid(dotW_b(h1, n=300, random_state=1))
    rbm2 = CDk(h2, h1, k=5, sampler="binomial", cost="pseudolikelihood")
    out = softmax(dotW_b(h2, n=10, random_state=2))
    train_err = cross_entropy(out, train_y)
    grads = grad(train_err, train_err.parameters())
    learner = SGD(train_err, train_err.parameters(), grads, learning_rate=0.1)
    valid_err = train_err.replace({train_x: valid_x, train_y: valid_y})
    valid_wrong = class_error(out, train_y).replace(
        {train_x: valid_x, train_y: valid_y}
    )
    rbm1.fit(pre_epochs)
    rbm2.fit(pre_epochs)
    learner.fit(epochs)
    accuracy = 1.0 - float(valid_wrong.eval())
    return accuracy, float(valid_err.eval()), time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pre-epochs", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument(
        "--samples", type=int, default=N_SAMPLES, help="rows (a smaller smoke run)"
    )
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    globals()["N_SAMPLES"] = args.samples
    X, y = _data()
    medians, diffs, acc = compare_mlp(X, y, args.repeat)

    def row(label, key, diff):
        m = medians
        return [
            label,
            f"{m[key]:.2f}",
            f"{m[key] / m['mlp']:.2f}",
            f"{m[key + '_cpu']:.2f}",
            f"{m[key + '_cpu'] / m['mlp_cpu']:.2f}",
            diff,
        ]

    rows = [
        row("MLPClassifier", "mlp", "-"),
        row("graph MLP (learner.fit)", "graph", f"{diffs[0]:.1e}"),
        row("GraphClassifier(MLP)", "bridge", f"{diffs[1]:.1e}"),
    ]
    header = ["training", "wall s", "wall ratio", "CPU s", "CPU ratio", "max |dW|"]
    table = markdown_table(header, rows)
    accuracy, verr, seconds = seed_example(args.pre_epochs, args.epochs)
    body = (
        f"{N_SAMPLES} x {N_FEATURES}, {N_CLASSES} classes, {HIDDEN} relu units, batch "
        f"{BATCH}, SGD lr {LR}, {EPOCHS} epochs, no shuffle; medians of "
        f"{args.repeat} interleaved runs ({platform.processor() or 'cpu'}, a shared "
        "machine: wall time follows the others' load, the process CPU time much "
        f"less).\n\n{table}\n\nTraining accuracy of MLPClassifier: {acc:.3f}.\n\n"
        f"Seed example (DBN 64-300-300-10, CD-5 x {args.pre_epochs} epochs per RBM, "
        f"then SGD lr 0.1 x {args.epochs} epochs) on digits: validation accuracy "
        f"{accuracy:.3f}, validation cross-entropy {verr:.3f} ({seconds:.0f} s)."
    )
    print(body)
    if not args.no_write:
        replace_section(Path(__file__).parent / "README.md", "bench_graph", body)


if __name__ == "__main__":
    main()
