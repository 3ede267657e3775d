"""Study files: a validated TOML schema and the runner that reproduces a study end to end."""

from app.study.runner import StudyResult, run_study
from app.study.schema import Study, StudyError, load_study, parse_study

__all__ = ["Study", "StudyError", "StudyResult", "load_study", "parse_study", "run_study"]
