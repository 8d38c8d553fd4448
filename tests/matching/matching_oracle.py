"""Load daffidwilde's ``matching`` package (PyPI, test-only) next to our own ``matching``.

Both are imported as ``matching``, so the PyPI one cannot live in the virtualenv's
site-packages (it would shadow this project's package, whose editable finder comes after the
path finder). It is installed on its own, by the Makefile's dev set-up::

    .venv/bin/python -m pip install --no-deps --target .venv/oracle/matching matching==1.4.3

and :func:`load_hospital_resident` imports it from there with our ``matching`` modules set
aside in ``sys.modules`` for the duration of the import, then puts ours back. The oracle's
modules keep references to one another, so it works afterwards; nothing is rewritten.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import sys
import warnings
from pathlib import Path
from typing import Any

ORACLE_VERSION = "1.4.3"


def oracle_dir() -> Path:
    """Where the oracle is installed: ``$MATCHING_ORACLE_DIR`` or ``<venv>/oracle/matching``."""
    return Path(os.environ.get("MATCHING_ORACLE_DIR", Path(sys.prefix) / "oracle" / "matching"))


def load_hospital_resident() -> Any | None:
    """The oracle's ``HospitalResident`` class, or ``None`` when the oracle is not installed."""
    root = oracle_dir()
    dists = [
        dist
        for dist in importlib.metadata.distributions(path=[str(root)])
        if dist.metadata["Name"] == "matching" and dist.version == ORACLE_VERSION
    ]
    if not dists:
        return None
    package_root = Path(str(dists[0].locate_file(""))).resolve()
    ours = _take_matching_modules()
    sys.path.insert(0, str(package_root))
    try:
        with warnings.catch_warnings():  # its __init__ calls warnings.simplefilter("always")
            games = importlib.import_module("matching.games")
        return games.HospitalResident
    finally:
        sys.path.remove(str(package_root))
        _take_matching_modules()
        sys.modules.update(ours)


def _take_matching_modules() -> dict[str, Any]:
    names = [name for name in sys.modules if name == "matching" or name.startswith("matching.")]
    return {name: sys.modules.pop(name) for name in names}
