"""Optional extras: the parts of neucube that need more than ``pip install neucube``.

``pip install neucube`` gives the loaders, the model, evaluation, figures and the CLI. The web
app needs the ``app`` extra (Streamlit) and ``--scheduler`` the ``dask`` extra (Dask
distributed); both are imported only when used, and a missing one is reported with the command
that installs it.
"""

from __future__ import annotations

import importlib.util

__all__ = ["EXTRAS", "missing_extra"]

#: Extra -> (module it provides, what needs it).
EXTRAS = {
    "app": ("streamlit", "the web app"),
    "dask": ("distributed", "--scheduler (fits on a Dask cluster)"),
}


def missing_extra(extra: str) -> str | None:
    """None when ``extra`` is installed, else the error message saying how to install it.

    Parameters
    ----------
    extra : {"app", "dask"}
        The optional extra.

    Returns
    -------
    str or None
        For example ``"the web app needs the 'app' extra: pip install 'neucube[app]'"``.
    """
    module, what = EXTRAS[extra]
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package is missing, or a broken install
        found = False
    return None if found else f"{what} needs the '{extra}' extra: pip install 'neucube[{extra}]'"
