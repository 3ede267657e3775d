"""Results folders never replace what neucube did not write; OS errors are one clear line.

Issue 14, principles 1 and 5. Refusals happen before any data is loaded, so most tests run the
real ``neucube`` command (a fresh process) and take a few seconds. Operating-system failures are
real where this machine allows: a 300-character name (ENAMETOOLONG), a folder where a file is
expected (EISDIR), a read-only or full file system (a tiny tmpfs mounted in a private mount
namespace with ``unshare``, when the tests run as root), permission denied (``chmod`` as a user;
as root, which ``chmod`` does not stop, the immutable attribute ``chattr +i``).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from app.oserrors import EXIT_OS_ERROR, describe_os_error
from neucube._atomic import atomic_write_text
from neucube_study import StudyError, load_study, parse_study, run_study
from neucube_study.outputs import (
    MARKER,
    ResultsFolderError,
    check_target,
    exclusive,
    read_marker,
    results_folder,
)

REPO = Path(__file__).resolve().parents[1]
NEUCUBE = Path(sys.executable).with_name("neucube")

#: A small, fast study (used where a run completes); refusals never get to its data.
TINY = """\
[study]
name = "tiny"
[data]
source = "simulate"
n_subjects = 1
n_trials_per_class = 4
[events]
familiar = "familiar"
unfamiliar = "unfamiliar"
[encoder]
compare = ["tbr"]
[cube]
template = "grid"
spacing_mm = 40.0
backend = "numpy"
[evaluation]
n_splits = 2
baselines = []
control = false
early_prediction = false
[figures]
enabled = false
[search.grid]
"encoder.alpha" = [0.4, 0.6]
"""


def neucube(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(NEUCUBE), *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


def one_error_line(proc: subprocess.CompletedProcess, command: str = "run") -> str:
    """The error line; there is exactly one and no traceback."""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [line for line in lines if line.startswith(f"neucube {command}: error: ")]
    assert len(errors) == 1, proc.stderr
    return errors[0]


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def study(tmp_path: Path) -> Path:
    path = tmp_path / "study" / "tiny.toml"
    path.parent.mkdir()
    path.write_text(TINY)
    return path


@pytest.fixture
def recordings(tmp_path: Path) -> Path:
    folder = tmp_path / "my_recordings"
    folder.mkdir()
    for k in range(1, 13):
        (folder / f"sub-{k:02d}.vhdr").write_text(f"header {k}\n")
    (folder / "notes").mkdir()
    (folder / "notes" / "session.txt").write_text("do not lose\n")
    return folder


# =============================================================================== principle 1
def test_out_at_a_folder_of_user_files_is_refused(study, recordings):
    before = snapshot(recordings)
    proc = neucube("run", str(study), "--out", str(recordings))
    assert proc.returncode == 1
    assert one_error_line(proc) == (
        f"neucube run: error: results folder '{recordings}': expected an absent folder or a "
        "neucube results folder; found a folder with 13 entries that neucube did not write "
        "(e.g. notes, sub-01.vhdr, sub-02.vhdr). Choose another --out or pass --overwrite.")
    assert "loading" not in proc.stderr  # refused before anything ran
    assert snapshot(recordings) == before
    assert sorted(p.name for p in recordings.parent.iterdir()) == ["my_recordings", "study"]


@pytest.mark.parametrize("flags", [[], ["--overwrite"]], ids=["plain", "overwrite"])
def test_out_at_a_regular_file_is_refused_even_with_overwrite(study, tmp_path, flags):
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF-1.4 my paper\n")
    proc = neucube("run", str(study), "--out", str(report), *flags)
    assert proc.returncode == 1
    assert one_error_line(proc) == (
        f"neucube run: error: results folder '{report}': expected an absent folder or a neucube "
        "results folder; found a regular file (18 bytes), which neucube never replaces (not "
        "even with --overwrite). Choose another --out.")
    assert report.read_bytes() == b"%PDF-1.4 my paper\n"


def test_search_refuses_the_same_way(study, recordings):
    before = snapshot(recordings)
    proc = neucube("search", str(study), "--out", str(recordings / "notes"))
    assert proc.returncode == 1
    assert "found a folder with 1 entry that neucube did not write (session.txt)" in \
        one_error_line(proc, "search")
    assert snapshot(recordings) == before


def test_out_under_a_file_is_refused(study, tmp_path):
    report = tmp_path / "report.pdf"
    report.write_text("mine")
    proc = neucube("run", str(study), "--out", str(report / "res"))
    assert proc.returncode == 1
    assert one_error_line(proc).endswith(
        f"results folder '{report / 'res'}': expected '{report}' to be a folder; found a regular "
        "file (4 bytes). Choose another --out.")
    assert report.read_text() == "mine"


@pytest.mark.parametrize("target, found", [
    (lambda s: s, "it is the study file itself"),
    (lambda s: s.parent, "it holds the study file '{study}'"),
    (lambda s: s.parent.parent, "it holds the study file '{study}'"),
])
def test_out_never_replaces_the_study(study, target, found):
    out = target(study)
    message = (f"results folder '{out}': expected a folder apart from the study file and its "
               f"data; found that {found.format(study=study)}. Choose another --out (--overwrite "
               "does not change this).")
    for overwrite in (False, True):
        with pytest.raises(ResultsFolderError, match=re.escape(message)):
            run_study(load_study(study), out=out, overwrite=overwrite)
    if out == study:  # the same through the command line, once
        proc = neucube("run", str(study), "--out", str(out), "--overwrite")
        assert proc.returncode == 1
        assert one_error_line(proc) == f"neucube run: error: {message}"
    assert study.read_text() == TINY


def _csv_study(folder: Path, output: str = "") -> Path:
    from corpus.make_corpus import write_study

    path = write_study(folder)
    if output:
        path.write_text(path.read_text() + f'\n[output]\ndir = "{output}"\n')
    return path


@pytest.mark.parametrize("out, found", [
    ("data/results", "it lies inside data.folder '{data}'"),
    ("data", "it is data.folder itself"),
])
def test_results_never_land_in_the_data(tmp_path, out, found):
    path = _csv_study(tmp_path / "s", out)
    study = load_study(path)
    data = (tmp_path / "s" / "data").resolve()
    before = snapshot(data)
    with pytest.raises(ResultsFolderError, match=re.escape(
            f"results folder '{(tmp_path / 's' / out).resolve()}': expected a folder apart from "
            f"the study file and its data; found that {found.format(data=data)}. Choose another "
            "--out (--overwrite does not change this).")):
        run_study(study, overwrite=True)
    assert snapshot(data) == before


def test_results_never_hold_data_named_with_data(tmp_path, study):
    """``--data`` names the data: a results folder holding it is refused too."""
    recs = tmp_path / "d" / "recs"
    recs.mkdir(parents=True)
    from corpus.make_corpus import signals, write_edf

    write_edf(recs / "sub-01.edf", signals())
    proc = neucube("run", str(study), "--data", str(recs), "--out", str(recs.parent),
                   "--overwrite")
    assert proc.returncode == 1
    assert f"found that it holds data.path '{recs}'" in one_error_line(proc)
    assert (recs / "sub-01.edf").is_file()


NAME = "study.name: expected "
WHY = " (it names the results folder)"


@pytest.mark.parametrize("name, message", [
    ("", f'{NAME}a non-empty name{WHY}, got ""'),
    ("   ", f'{NAME}a non-empty name{WHY}, got "   "'),
    ("..", f'{NAME}a name not starting with "." (".", ".." and hidden names cannot name a '
           'results folder), got ".."'),
    (".", f'{NAME}a name not starting with "." (".", ".." and hidden names cannot name a '
          'results folder), got "."'),
    ("a/b", f'{NAME}a name without the path separators / and \\{WHY}, got "a/b"'),
    ("..\\x", f'{NAME}a name not starting with "."'),
    ("a\\b", f'{NAME}a name without the path separators / and \\{WHY}, got "a\\\\b"'),
    ("a\x00b", f'{NAME}a name without control characters such as NUL or newline{WHY}, got '
               '"a\\u0000b"'),
    ("a\nb", f'{NAME}a name without control characters such as NUL or newline{WHY}, got '
             '"a\\nb"'),
    ("x" * 300, f"{NAME}a name of at most 100 bytes (UTF-8){WHY}, got one of 300 bytes"),
    ("é" * 60, f"{NAME}a name of at most 100 bytes (UTF-8){WHY}, got one of 120 bytes"),
    (3, f"{NAME}a string, got 3"),
])
def test_study_names_are_plain_folder_names(name, message):
    with pytest.raises(StudyError, match="^" + re.escape(message)):
        parse_study({"study": {"name": name}, "data": {"source": "simulate"}},
                    path=Path("/studies/s.toml"))


def test_a_good_name_is_kept():
    study = parse_study({"study": {"name": "N170 faces-houses_2"}, "data": {"source": "simulate"}},
                        path=Path("/studies/s.toml"))
    assert study.output_dir() == Path("/studies/results/N170 faces-houses_2").resolve()


@pytest.mark.parametrize("out, message", [
    ("../other", 'output.dir: expected a path inside the study folder /studies/a, got "../other" '
                 "(it resolves to /studies/other); name a folder elsewhere with an absolute "
                 "path, or pass --out"),
    ("results/../../b", 'output.dir: expected a path inside the study folder /studies/a, got '
                        '"results/../../b" (it resolves to /studies/b)'),
    (".", 'output.dir: expected a results folder inside the study folder /studies/a, got "." '
          "(the study folder itself)"),
    ("results/..", "output.dir: expected a results folder inside the study folder /studies/a, "
                   'got "results/.." (the study folder itself)'),
    ("/", 'output.dir: expected a results folder, got "/" (the root folder)'),
    ("res\x00", "output.dir: expected a path without control characters such as NUL or newline, "
                'got "res\\u0000"'),
    ("r/" + "x" * 300, "output.dir: expected folder names of at most 200 bytes (UTF-8), got one "
                       "of 300 bytes"),
])
def test_output_dir_stays_inside_the_study_folder(out, message):
    with pytest.raises(StudyError, match="^" + re.escape(message)):
        parse_study({"study": {"name": "n"}, "data": {"source": "simulate"},
                     "output": {"dir": out}}, path=Path("/studies/a/s.toml"))


@pytest.mark.parametrize("out, expected", [
    ("res/inner", "/studies/a/res/inner"), ("/elsewhere/res", "/elsewhere/res"), ("", None)])
def test_output_dir_inside_or_absolute_is_accepted(out, expected):
    study = parse_study({"study": {"name": "n"}, "data": {"source": "simulate"},
                         "output": {"dir": out}}, path=Path("/studies/a/s.toml"))
    assert study.output_dir() == Path(expected or "/studies/a/results/n").resolve()


# ------------------------------------------------------------------ the marker and rewriting
def _write(out: Path, files: dict[str, str], **kwargs) -> None:
    with results_folder(out, study="s", **kwargs) as tmp:
        for name, text in files.items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_text(text)


def test_a_neucube_results_folder_is_rewritten(tmp_path):
    out = tmp_path / "res"
    _write(out, {"metrics.json": "1", "figures/a.svg": "<svg/>"})
    assert read_marker(out) == {"metrics.json", "figures/a.svg", "run.log"}
    assert check_target(out) == "a neucube results folder"
    _write(out, {"metrics.json": "2"})  # a rerun: allowed, and replaces the whole folder
    assert (out / "metrics.json").read_text() == "2"
    assert not (out / "figures").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]  # no lock or temporary left


def test_a_results_folder_with_user_files_needs_overwrite(tmp_path):
    out = tmp_path / "res"
    _write(out, {"metrics.json": "1"})
    (out / "my_notes.txt").write_text("mine")
    with pytest.raises(ResultsFolderError, match=re.escape(
            f"results folder '{out}': expected an absent folder or a neucube results folder; "
            "found a neucube results folder with 1 file that neucube did not write "
            "(my_notes.txt). Choose another --out or pass --overwrite.")):
        _write(out, {"metrics.json": "2"})
    assert (out / "my_notes.txt").read_text() == "mine"
    assert (out / "metrics.json").read_text() == "1"
    _write(out, {"metrics.json": "3"}, overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "metrics.json", "run.log"]


def test_another_studys_results_need_overwrite(tmp_path):
    """An explicit --out (or absolute output.dir) at another study's results does not replace
    them silently; the same study's earlier results are replaced."""
    out = tmp_path / "res"
    _write(out, {"metrics.json": "wrist"}, command="run")
    for study, command in (("n170", "run"), ("s", "search")):
        with pytest.raises(ResultsFolderError, match=re.escape(
                f"results folder '{out}': expected an absent folder or the results folder of "
                f"neucube {command} of study '{study}'; found the results folder of neucube run of "
                "study 's'. Choose another --out or pass --overwrite.")):
            with results_folder(out, study=study, command=command):
                pytest.fail("the block must not run")
    assert (out / "metrics.json").read_text() == "wrist"
    with results_folder(out, study="n170", overwrite=True) as tmp:
        (tmp / "metrics.json").write_text("n170")
    assert (out / "metrics.json").read_text() == "n170"


def test_a_forged_or_damaged_marker_is_not_a_results_folder(tmp_path):
    out = tmp_path / "res"
    out.mkdir()
    (out / "data.edf").write_text("x")
    for text in ("not json", '{"format": "other", "files": []}', '{"format": "neucube-results"}'):
        (out / MARKER).write_text(text)
        with pytest.raises(ResultsFolderError, match="found a folder with 2 entries that "
                                                     "neucube did not write"):
            check_target(out)


def test_an_empty_folder_is_used(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    assert check_target(out) == "an empty folder"
    _write(out, {"metrics.json": "1"})
    assert read_marker(out) == {"metrics.json", "run.log"}


def test_files_copied_in_during_the_run_are_not_replaced(tmp_path):
    out = tmp_path / "res"
    _write(out, {"metrics.json": "1"})
    with pytest.raises(ResultsFolderError, match=r"found a neucube results folder with 1 file "
                                                 r"that neucube did not write \(late.txt\)"):
        with results_folder(out, study="s") as tmp:
            (tmp / "metrics.json").write_text("2")
            (out / "late.txt").write_text("copied in while the run ran")
    assert (out / "late.txt").is_file() and (out / "metrics.json").read_text() == "1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]


@pytest.mark.slow
def test_overwrite_replaces_a_user_folder_with_a_results_folder(study, recordings):
    """The one completed run: --overwrite replaces a folder of user files; a rerun needs no flag."""
    proc = neucube("-q", "run", str(study), "--out", str(recordings), "--overwrite")
    assert proc.returncode == 0, proc.stderr
    assert f"--overwrite: {recordings} will be replaced when this run completes" in proc.stderr
    listed = read_marker(recordings)
    assert {"metrics.json", "model.zip", "run.log", "summary.json"} <= listed
    assert sorted(p.relative_to(recordings).as_posix() for p in recordings.rglob("*")
                  if p.is_file()) == sorted(listed | {MARKER})
    assert check_target(recordings) == "a neucube results folder"  # a rerun is allowed


# ------------------------------------------------------------------ the lock of nested folders
HOLDER = textwrap.dedent("""\
    import contextlib, sys
    from pathlib import Path
    from neucube_study.outputs import exclusive
    stack = contextlib.ExitStack()
    print("ready", flush=True)
    for line in sys.stdin:
        command, _, folder = line.rstrip("\\n").partition(" ")
        if command == "lock":
            stack.enter_context(exclusive(Path(folder)))
            print("locked", flush=True)
        else:
            stack.close()
            stack = contextlib.ExitStack()
            print("released", flush=True)
""")


def start_holder() -> subprocess.Popen:
    """Another process that takes and releases results-folder locks on request (the real lock
    API; started once per module, as importing neucube takes a while)."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER], cwd=REPO, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    return proc


def ask(proc: subprocess.Popen, line: str, answer: str) -> None:
    proc.stdin.write(line + "\n")
    proc.stdin.flush()
    assert proc.stdout.readline().strip() == answer


@pytest.fixture(scope="module")
def holder_process():
    proc = start_holder()
    yield proc
    proc.kill()
    proc.wait()


@pytest.fixture
def holder(holder_process):
    """``holder(folder)`` makes the other process hold ``folder``'s lock until the test ends."""

    def hold(folder: Path) -> subprocess.Popen:
        ask(holder_process, f"lock {folder}", "locked")
        return holder_process

    yield hold
    ask(holder_process, "release", "released")


@pytest.mark.parametrize("held, ours, where", [
    ("X", "X/inner", "is writing the results folder {held}, which holds this one"),
    ("X", "X/a/b/c", "is writing the results folder {held}, which holds this one"),
    ("X/inner", "X", "is writing the results folder {held} inside this one"),
    ("X/a/b", "X", "is writing the results folder {held} inside this one"),
    ("X", "X", "is writing this results folder"),
])
def test_nested_runs_are_refused_by_the_lock(tmp_path, holder, held, ours, where):
    held, ours = tmp_path / held, tmp_path / ours
    proc = holder(held)
    with pytest.raises(ResultsFolderError, match=re.escape(
            f"{ours}: another neucube run (pid {proc.pid}) {where.format(held=held)}; wait for it "
            "to finish or choose another output folder")):
        with results_folder(ours, study="s"):
            pytest.fail("the block must not run")
    assert not ours.exists() or ours == held.parent or ours in held.parents


def test_sibling_runs_are_not_nested(tmp_path, holder):
    holder(tmp_path / "X" / "a")
    _write(tmp_path / "X" / "b", {"metrics.json": "1"})
    assert read_marker(tmp_path / "X" / "b") == {"metrics.json", "run.log"}


def test_a_killed_holder_frees_the_nested_lock(tmp_path):
    proc = start_holder()
    ask(proc, f"lock {tmp_path / 'X'}", "locked")
    proc.kill()
    proc.wait()
    _write(tmp_path / "X" / "inner", {"metrics.json": "1"})
    assert (tmp_path / "X" / "inner" / "metrics.json").read_text() == "1"


def test_two_real_cli_runs_nested_one_is_refused(study, tmp_path, holder):
    """A CLI run into a folder inside one being written stops at once with the lock message."""
    outer = tmp_path / "X"
    proc = holder(outer)
    run = neucube("run", str(study), "--out", str(outer / "inner"))
    assert run.returncode == 1
    assert one_error_line(run) == (
        f"neucube run: error: {outer / 'inner'}: another neucube run (pid {proc.pid}) is writing "
        f"the results folder {outer}, which holds this one; wait for it to finish or choose "
        "another output folder")
    with exclusive(tmp_path / "Y"):  # the lock API itself, same process, other folder: fine
        pass


# =============================================================================== principle 5
def test_name_too_long_is_one_line_and_exit_74(study, tmp_path):
    out = tmp_path / ("n" * 300)
    proc = neucube("run", str(study), "--out", str(out))
    assert proc.returncode == EXIT_OS_ERROR == 74
    assert one_error_line(proc) == (
        f"neucube run: error: {out}: a name is too long for the file system (most allow 255 "
        "bytes per name) (ENAMETOOLONG). Choose a shorter name.")
    verbose = neucube("-v", "run", str(study), "--out", str(out))
    assert verbose.returncode == 74 and "Traceback" in verbose.stderr  # -v shows it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study"]


def test_a_folder_where_a_file_is_expected(tmp_path):
    target = tmp_path / "metrics.json"
    target.mkdir()
    with pytest.raises(IsADirectoryError) as info:
        atomic_write_text(target, "{}")
    assert describe_os_error(info.value) == (
        f"{target}: expected a file; found a folder (EISDIR). Rename or move that folder, or name "
        "another file.")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.json"]  # no temporary left


def test_a_study_path_that_is_a_folder(tmp_path):
    proc = neucube("run", str(tmp_path))
    assert proc.returncode == 1
    assert one_error_line(proc) == (f"neucube run: error: {tmp_path}: expected a study file "
                                    "(.toml); found a folder")


@pytest.fixture
def locked_dir(tmp_path: Path):
    """A folder nobody may write into: chmod 555 as a user; chattr +i as root (chmod does not
    stop root). Yields the folder and the errno expected."""
    folder = tmp_path / "locked"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder, errno.EACCES
        folder.chmod(0o755)
        return
    if shutil.which("chattr") is None or subprocess.run(
            ["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("running as root, where chmod does not stop writes, and chattr +i is not "
                    "available on this file system")
    try:
        yield folder, errno.EPERM
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_permission_denied_is_one_clear_line(study, locked_dir):
    folder, code = locked_dir
    out = folder / "res"
    proc = neucube("run", str(study), "--out", str(out))
    assert proc.returncode == EXIT_OS_ERROR
    reason = {errno.EACCES: "permission denied (EACCES)",
              errno.EPERM: "operation not permitted (the file or folder is protected, e.g. "
                           "immutable) (EPERM)"}[code]
    assert one_error_line(proc) == (
        f"neucube run: error: {out}: {reason}. Choose a location you may write to, or change its "
        "permissions.")
    assert list(folder.iterdir()) == []


def _can_unshare_mount() -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=4k tmpfs /mnt"],
                           capture_output=True)
    return probe.returncode == 0


UNSHARE = pytest.mark.skipif(not _can_unshare_mount(), reason="needs root and unshare -m to "
                             "mount a tiny tmpfs in a private mount namespace")


def run_on_tmpfs(options: str, mount: Path, *args: str) -> tuple[subprocess.CompletedProcess, str]:
    """Run neucube with ``mount`` on a fresh tmpfs (private mount namespace); return the
    process and what the tmpfs held afterwards (the mount ends with the namespace)."""
    mount.mkdir()
    script = ('mount -t tmpfs -o "$1" tmpfs "$2" || exit 99; shift 2; "$@"; rc=$?; '
              'echo "LEFT:$(ls -A "$MNT" | tr "\\n" " ")" >&2; exit $rc')
    proc = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script,
                           "sh", options, str(mount), str(NEUCUBE), *args],
                          cwd=REPO, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "MNT": str(mount)})
    left = re.search(r"LEFT:(.*)", proc.stderr)
    assert left, proc.stderr
    proc.stderr = proc.stderr[:left.start()]
    return proc, left.group(1).strip()


@UNSHARE
def test_read_only_file_system_is_one_clear_line(study, tmp_path):
    mount = tmp_path / "ro"
    proc, left = run_on_tmpfs("ro,size=64k", mount, "run", str(study), "--out",
                              str(mount / "res"))
    assert proc.returncode == EXIT_OS_ERROR, proc.stderr
    assert one_error_line(proc) == (
        f"neucube run: error: {mount / 'res'}: the file system is read-only (EROFS). Choose a "
        "folder on a writable disk.")
    assert left == ""


@UNSHARE
def test_full_disk_is_one_clear_line_and_leaves_nothing(study, tmp_path):
    """A 4 kB tmpfs fills up during the run (its log, then the first checkpoint)."""
    mount = tmp_path / "full"
    out = mount / "res"
    t0 = time.perf_counter()
    proc, left = run_on_tmpfs("size=4k", mount, "run", str(study), "--out", str(out))
    assert proc.returncode == EXIT_OS_ERROR, proc.stderr
    line = one_error_line(proc)
    assert re.fullmatch(
        rf"neucube run: error: {re.escape(str(mount))}/(res|\.neucube-resume-res)(/[\w.]+)?: no "
        r"space left on the device \(ENOSPC\)\. Free some space or choose a folder on another "
        r"disk\.", line), line
    assert "Logging error" not in proc.stderr
    # Nothing half-written: no results folder; only the (empty) checkpoint folder, if any.
    assert left in ("", ".neucube-resume-res"), left
    assert time.perf_counter() - t0 < 120


def test_enospc_at_the_write_names_the_file(tmp_path, monkeypatch):
    """Where no tmpfs can be mounted: the OSError injected at the write call (ENOSPC only)."""
    import neucube._atomic as atomic

    class Full:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    real = os.fdopen
    monkeypatch.setattr(atomic.os, "fdopen", lambda fd, mode: Full(real(fd, mode)))
    with pytest.raises(OSError) as info:
        atomic_write_text(tmp_path / "metrics.json", "{}")
    assert describe_os_error(info.value) == (
        f"{tmp_path / 'metrics.json'}: no space left on the device (ENOSPC). Free some space or "
        "choose a folder on another disk.")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("code, text", [
    (errno.ENOSPC, "no space left on the device (ENOSPC). Free some space or choose a folder on "
                   "another disk."),
    (errno.EROFS, "the file system is read-only (EROFS). Choose a folder on a writable disk."),
    (errno.EACCES, "permission denied (EACCES). Choose a location you may write to, or change "
                   "its permissions."),
    (errno.ENOTDIR, "expected a folder; found a file where the path needs a folder (ENOTDIR). "
                    "Check each part of the path."),
    (errno.ECONNRESET, "Connection reset by peer (ECONNRESET)."),
])
def test_describe_os_error(code, text):
    assert describe_os_error(OSError(code, os.strerror(code), "/r/x")) == f"/r/x: {text}"
    assert describe_os_error(OSError(code, os.strerror(code)), "/r/y") == f"/r/y: {text}"


# =============================================================================== the app
def test_export_writes_only_under_its_session_folder(tmp_path):
    from app.streamlit_app.exporting import session_folder, write_results

    session = tmp_path / "session"
    session.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine")
    for folder in (elsewhere, session, session / ".." / "elsewhere", tmp_path):
        with pytest.raises(ValueError, match=re.escape(
                f"export folder '{folder.resolve()}': expected a folder inside this session's "
                f"folder {session}; found a path outside it, where the export never writes")):
            write_results(folder, None, study_text="", session_dir=session)
    assert (elsewhere / "keep.txt").read_text() == "mine"
    assert session_folder(session / "export" / "results", session) == (
        session / "export" / "results").resolve()


def test_app_error_box_describes_os_errors():
    from streamlit.testing.v1 import AppTest

    def page() -> None:
        import errno as e

        from app.streamlit_app import ui

        ui.show_error(OSError(e.ENOSPC, "No space left on device", "/srv/export/results"),
                      "The results folder could not be written")

    at = AppTest.from_function(page).run(timeout=60)
    assert not at.exception
    assert [box.value for box in at.error] == [
        "**The results folder could not be written**\n\n/srv/export/results: no space left on "
        "the device (ENOSPC). Free some space or choose a folder on another disk."]


def test_overwrite_flag_is_documented(capsys):
    from app.cli import build_parser

    for command in ("run", "search"):
        with pytest.raises(SystemExit):
            build_parser().parse_args([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert ("--overwrite replace a results folder that neucube did not write (an absent or "
                "empty folder, or a neucube results folder, needs no flag); never a file, the "
                "study file or its data") in text
