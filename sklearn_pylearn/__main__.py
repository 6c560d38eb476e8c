"""Command line: ``python -m sklearn_pylearn demo`` and ``--version``."""

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
    args = parser.parse_args(argv)
    if args.command == "demo":
        from ._demo import run_demo

        run_demo()
    return 0


if __name__ == "__main__":
    sys.exit(main())
