"""Command line: ``python -m sklearn_pylearn demo | run CONFIG | resume DIR | warmup``
and ``--version``."""

import argparse
import sys

EXAMPLE = """\
example experiment (exp.yaml):

  data:
    sklearn: load_digits      # or parquet: PATH / csv: PATH, input: [...], target: COL
    split: {test_size: 0.25, random_state: 0}
  model:
    estimator: sklearn_pylearn.neural_network.MLPClassifier
    params: {hidden_layer_sizes: [64], max_iter: 30, random_state: 0}
  fit: {checkpoint: true}           # resumable after kill -9 (or checkpoint: PATH)
  evaluate:
    metrics: [accuracy]

  python -m sklearn_pylearn run exp.yaml --output runs/mlp
  python -m sklearn_pylearn resume runs/mlp   # after an interruption, anywhere
"""


def _parser():
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="python -m sklearn_pylearn",
        description="sklearn_pylearn: scikit-learn estimators compiled with PyTensor",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"sklearn_pylearn {__version__}"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="fit a fused preprocessing pipeline and show caching")
    run = sub.add_parser(
        "run",
        help="run a YAML experiment",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("config", help="the experiment's YAML file")
    run.add_argument(
        "--output", help="the run's directory (default: runs/<config name>)"
    )
    run.add_argument(
        "--resume", action="store_true", help="continue the run in --output"
    )
    run.add_argument(
        "--checkpoint-dir",
        metavar="PATH",
        help="checkpoint the fit into PATH (sets fit.checkpoint: PATH; default: "
        "the config's fit.checkpoint, true meaning DIR/checkpoints)",
    )
    resume = sub.add_parser("resume", help="continue an interrupted run")
    resume.add_argument("directory", help="the run's directory")
    warm = sub.add_parser(
        "warmup",
        help="compile the graphs a typical session uses, once per machine",
    )
    warm.add_argument(
        "--dtype",
        action="append",
        choices=["float64", "float32"],
        help="compile for this dtype only (repeatable; default: both)",
    )
    warm.add_argument("--job", action="append", help="run only this job (repeatable)")
    warm.add_argument("--list", action="store_true", help="list the jobs and exit")
    warm.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def main(argv=None):
    """Parse the command line and run the chosen job; returns the exit code."""
    args = _parser().parse_args(argv)
    if args.command == "demo":
        from ._demo import run_demo

        run_demo()
        return 0
    if args.command == "warmup":
        return _warmup(args)
    from .exceptions import ExperimentConfigError
    from .experiment import resume_experiment, run_experiment

    try:
        if args.command == "run":
            from pathlib import Path

            output = args.output or str(Path("runs") / Path(args.config).stem)
            run_experiment(
                args.config,
                output,
                resume=args.resume,
                checkpoint_dir=args.checkpoint_dir,
            )
        else:
            resume_experiment(args.directory)
    except ExperimentConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130  # the log said how to resume
    return 0


def _warmup(args):
    from .experiment.warmup import DTYPES, warmup, warmup_jobs

    if args.list:
        print("\n".join(warmup_jobs()))
        return 0
    warmup(args.job, args.dtype or DTYPES, progress=not args.no_progress)
    return 0


if __name__ == "__main__":
    sys.exit(main())
