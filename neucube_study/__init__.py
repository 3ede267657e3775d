"""The study pipeline that both front ends share: a validated TOML schema, the runner that
reproduces a study end to end, its results folder, and the nested parameter search.

It sits between the front ends (``app``: the ``neucube`` command line and the web app, which
hold no science) and the library (``data_loaders`` reads recordings, ``neucube`` models them):
``neucube run`` and the web app call the same :func:`run_study`, and a researcher can call it
from Python or a cluster job without the app.
"""

from neucube_study.runner import StudyResult, run_study
from neucube_study.schema import Study, StudyError, load_study, parse_study
from neucube_study.search import run_search

__all__ = [
    "Study",
    "StudyError",
    "StudyResult",
    "load_study",
    "parse_study",
    "run_search",
    "run_study",
]
