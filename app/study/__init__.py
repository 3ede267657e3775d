"""Study files: a validated TOML schema, the runner that reproduces a study end to end, and the
nested parameter search."""

from app.study.runner import StudyResult, run_study
from app.study.schema import Study, StudyError, load_study, parse_study
from app.study.search import run_search

__all__ = [
    "Study",
    "StudyError",
    "StudyResult",
    "load_study",
    "parse_study",
    "run_search",
    "run_study",
]
