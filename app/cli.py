"""The ``neucube`` command line.

Examples
--------
::

    neucube run studies/familiarity.toml --out results/familiarity
    neucube --version
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from neucube._version import __version__

__all__ = ["main", "build_parser"]

logger = logging.getLogger("neucube.cli")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``neucube`` (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="neucube",
        description=(
            "NeuCube-style spiking neural networks for spatiotemporal brain data. "
            "A study file (TOML) names the data, preprocessing, encoder, model, evaluation and "
            "figures; `neucube run` reproduces it and writes a results folder."
        ),
        epilog="Start with: neucube run studies/familiarity.toml (the built-in simulated study).",
    )
    parser.add_argument("--version", action="version", version=f"neucube {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="run a study end to end and write its results folder",
        description="Run a study end to end. The results folder is written atomically: it is "
        "complete or absent, never half-written.",
    )
    run.add_argument("study", type=Path, help="study file (.toml), e.g. studies/familiarity.toml")
    run.add_argument("--out", type=Path, help="results folder (default: the study's output.dir)")
    run.add_argument("--data", type=Path, help="recordings to analyse instead of the study's own data")
    run.add_argument("--seed", type=int, help="override the study's seed")
    run.add_argument("--n-jobs", type=int, help="folds run in parallel (default: the study's evaluation.n_jobs)")
    return parser


def _configure_logging(verbose: int, quiet: bool) -> None:
    """Terminal output at the chosen verbosity; the run log in the results folder keeps INFO."""
    level = logging.DEBUG if verbose >= 2 else logging.INFO if verbose == 1 else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING if quiet else level)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(min(level, logging.INFO))
    # Brian2 and MNE are chatty at INFO; keep them at WARNING unless debugging.
    for name in ("brian2", "mne"):
        logging.getLogger(name).setLevel(logging.DEBUG if verbose >= 2 else logging.WARNING)


def _cmd_run(args: argparse.Namespace) -> int:
    # Imported here so `neucube --help` stays fast.
    from app.study import load_study, run_study
    from app.study.report import format_summary

    study = load_study(args.study).with_overrides(seed=args.seed)
    result = run_study(
        study,
        out=args.out,
        data=args.data,
        n_jobs=args.n_jobs,
        progress=None if args.quiet else lambda msg: print(f"... {msg}", file=sys.stderr, flush=True),
    )
    print(format_summary(result.summary))
    print(f"\nResults: {result.out_dir}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``neucube`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    _configure_logging(args.verbose, args.quiet)
    from app.study.schema import StudyError

    try:
        return {"run": _cmd_run}[args.command](args)
    except (StudyError, ValueError, FileNotFoundError) as exc:
        # Expected user errors: one clear line, no traceback (use -vv to see it).
        logger.debug("error details", exc_info=True)
        print(f"neucube {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("neucube: interrupted; no results folder was written", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
