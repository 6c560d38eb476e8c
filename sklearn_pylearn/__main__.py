"""Command line: ``python -m sklearn_pylearn demo``."""

import argparse
import sys


def main(argv=None):
    """Parse the command line and run the chosen job; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_pylearn",
        description="sklearn_pylearn: scikit-learn estimators compiled with PyTensor",
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
