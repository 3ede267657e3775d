"""Values in error messages, spelled as a study file (TOML/JSON) would spell them."""

from __future__ import annotations

import json
from typing import Any


def show(value: Any) -> str:
    """``value`` as text: strings double-quoted (also in lists and dicts), others as ``repr``."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | dict):
        try:
            return json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            return repr(value)
    return repr(value)
