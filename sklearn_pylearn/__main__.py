"""Command line: ``python -m sklearn_pylearn demo | warmup`` and ``--version``."""

import argparse
import sys

from . import __version__


def main(argv=None):
    """Parse the command line and run the chosen job; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_pylearn",
        description="sklearn_pylearn: scikit-learn estimators compiled with PyTensor",
    )
    parser.add_argument(
        "--version", action="version", version=f"sklearn_pylearn {__version__}"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="fit a fused preprocessing pipeline and show caching")
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
    args = parser.parse_args(argv)
    if args.command == "demo":
        from ._demo import run_demo

        run_demo()
    elif args.command == "warmup":
        return _warmup(args)
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
