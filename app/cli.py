"""The ``neucube`` command line.

Examples
--------
::

    neucube run studies/familiarity.toml --out results/familiarity
    neucube run studies/familiarity.toml --data recordings/ --n-jobs 2
    neucube run studies/familiarity.toml --scheduler tcp://10.0.0.5:8786
    neucube search studies/familiarity.toml
    neucube app --port 8501
    neucube --version
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType

from neucube._version import __version__

__all__ = ["main", "build_parser", "APP_SCRIPT"]

logger = logging.getLogger("neucube.cli")

#: The Streamlit script of the web interface.
APP_SCRIPT = Path(__file__).resolve().parent / "streamlit_app" / "Home.py"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _port(text: str) -> int:
    value = _positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number (1-65535), got {value}")
    return value


def _add_run_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("study", type=Path, help="study file (.toml), e.g. studies/familiarity.toml")
    cmd.add_argument("--data", type=Path, metavar="PATH",
                     help="recordings to analyse instead of the study's own data: an EEG file or "
                          "folder of files, an EEG-BIDS root, a NeuCube CSV folder, a marker CSV, "
                          "or NIfTI run(s) with their events.tsv (whichever the study reads)")
    cmd.add_argument(
        "--out", type=Path, metavar="DIR", help="results folder (default: the study's output.dir)"
    )
    cmd.add_argument("--n-jobs", type=_positive_int, metavar="N",
                     help="fits run in parallel processes (default: the study's evaluation.n_jobs, "
                          "else one per available core)")
    cmd.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the fits on a Dask cluster, e.g. tcp://host:8786 (joblib's dask backend)",
    )
    cmd.add_argument("--seed", type=int, metavar="N", help="override the study's seed")
    cmd.add_argument(
        "--resume",
        action="store_true",
        help="reuse the fits an interrupted run of the same study, seed and data completed",
    )
    cmd.add_argument("--overwrite", action="store_true",
                     help="replace a results folder that neucube did not write (an absent or empty "
                          "folder, or a neucube results folder, needs no flag); never a file, the "
                          "study file or its data")


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
        description="Run a study end to end: load, encode, cross-validate the NeuCube model "
        "against baselines, fit the final model, write figures. The results folder is written "
        "atomically: it is complete or absent, never half-written.",
    )
    _add_run_options(run)
    run.add_argument("--no-figures", action="store_true", help="skip the figures (faster)")

    search = sub.add_parser(
        "search",
        help="tune encoder, STDP, readout and cube parameters by nested cross-validation",
        description="Grid or randomised search ([search] section of the study) nested inside the "
        "evaluation: each outer training fold runs its own inner search, so the estimate is "
        "unbiased. Writes its own results folder (default results/<name>-search).",
    )
    _add_run_options(search)

    app = sub.add_parser(
        "app",
        help="start the web interface (Streamlit) on this machine",
        description="Start the web interface on http://127.0.0.1:PORT (local only).",
    )
    app.add_argument("--port", type=_port, default=8501, help="port (default: 8501)")
    app.add_argument("--script", type=Path, default=APP_SCRIPT, help=argparse.SUPPRESS)
    return parser


def _configure_logging(verbose: int, quiet: bool) -> None:
    """Terminal output at the chosen verbosity; the run log in the results folder keeps INFO."""
    level = logging.DEBUG if verbose >= 2 else logging.INFO if verbose == 1 else logging.WARNING
    from neucube_study.progress import TqdmLoggingHandler

    handler = TqdmLoggingHandler(sys.stderr)
    handler.setLevel(logging.WARNING if quiet else level)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(min(level, logging.INFO))
    # Brian2, MNE and Dask are chatty at INFO; keep them at WARNING unless debugging.
    for name in ("brian2", "mne", "distributed"):
        logging.getLogger(name).setLevel(logging.DEBUG if verbose >= 2 else logging.WARNING)


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so every ``finally`` (and atomic write) cleans up."""


@contextlib.contextmanager
def _sigterm_cleans_up() -> Iterator[None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise _Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _cmd_run(args: argparse.Namespace) -> int:
    # Imported here so `neucube --help` stays fast.
    from neucube_study import load_study
    from neucube_study.extras import missing_extra
    from neucube_study.progress import Progress, TqdmProgress
    from neucube_study.report import format_summary

    if args.scheduler is not None and (problem := missing_extra("dask")):
        print(f"neucube {args.command}: error: {problem}", file=sys.stderr)
        return 1
    study = load_study(args.study, data=args.data).with_overrides(seed=args.seed)
    progress = Progress() if args.quiet else TqdmProgress()
    try:
        if args.command == "search":
            from neucube_study.search import run_search

            result = run_search(study, out=args.out, n_jobs=args.n_jobs, scheduler=args.scheduler,
                                progress=progress, resume=args.resume, overwrite=args.overwrite)
        else:
            from neucube_study import run_study

            result = run_study(study, out=args.out, n_jobs=args.n_jobs, scheduler=args.scheduler,
                               progress=progress, resume=args.resume, overwrite=args.overwrite,
                               figures=False if args.no_figures else None)
    finally:
        if isinstance(progress, TqdmProgress):
            progress.close()
    print(format_summary(result.summary))
    print(f"\nResults: {result.out_dir}")
    return 0


def _cmd_app(args: argparse.Namespace) -> int:
    from neucube_study.extras import missing_extra

    if problem := missing_extra("app"):
        print(f"neucube app: error: {problem}", file=sys.stderr)
        return 1
    script = args.script.resolve()
    if not script.is_file():
        raise FileNotFoundError(f"the web interface script {script} does not exist "
                                "(is neucube installed from a complete checkout?)")
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(args.port),
           "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal"]
    print(f"neucube app: serving {script.name} on http://127.0.0.1:{args.port} (Ctrl+C stops it)",
          file=sys.stderr, flush=True)
    proc = subprocess.Popen(cmd)
    try:
        return proc.wait()
    except (KeyboardInterrupt, _Terminated) as exc:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if isinstance(exc, KeyboardInterrupt):
            print("neucube app: stopped", file=sys.stderr)
            return 0
        raise


def details(verbose: int) -> None:
    """The traceback of the error being handled, on the terminal with ``-v`` (else debug log)."""
    logger.log(logging.INFO if verbose else logging.DEBUG, "error details", exc_info=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``neucube`` console script; returns the exit status.

    Exit status: 0 done; 1 an invalid study, data or results folder (one line naming the file
    or key); 2 bad command-line usage; 74 an operating-system error (read-only or full disk,
    name too long, permission denied; nothing is half-written); 130 Ctrl+C; 143 SIGTERM.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    _configure_logging(args.verbose, args.quiet)
    from app.oserrors import EXIT_OS_ERROR, describe_os_error
    from neucube_study.schema import StudyError

    commands = {"run": _cmd_run, "search": _cmd_run, "app": _cmd_app}
    try:
        with _sigterm_cleans_up():
            return commands[args.command](args)
    except OSError as exc:
        # A refused results folder or a missing input we describe ourselves (no errno) is a user
        # error; an operating-system error (full disk, read-only, ...) gets its own exit status.
        details(args.verbose)
        if exc.errno is None:
            print(f"neucube {args.command}: error: {exc}", file=sys.stderr)
            return 1
        print(f"neucube {args.command}: error: {describe_os_error(exc)}", file=sys.stderr)
        return EXIT_OS_ERROR
    except (StudyError, ValueError) as exc:
        # Expected user errors: one clear line, no traceback (use -v to see it).
        details(args.verbose)
        print(f"neucube {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            f"neucube {args.command}: interrupted; no results folder was written", file=sys.stderr
        )
        return 130
    except _Terminated:
        print(f"neucube {args.command}: terminated (SIGTERM); no results folder was written",
              file=sys.stderr)
        return 143


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
