"""Where the files shipped with labelaudit live: rules, lexicons, methods notes.

Installed, they are package data (``labelaudit/_rules``); in a source checkout they are
the repository's ``rules/`` folder.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def rules_dir() -> Path:
    """The shipped ``rules/`` folder (package data when installed, repo folder in dev)."""
    packaged = resources.files("labelaudit").joinpath("_rules")
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "rules"


def lexicons_dir() -> Path:
    """The built-in culture-specific-reference lexicons (``rules/lexicons``)."""
    return rules_dir() / "lexicons"


def methods_dir() -> Path:
    """The methods notes of the report (``rules/methods``), one YAML file per analysis."""
    return rules_dir() / "methods"


def standards_file() -> Path:
    """The framework vocabulary rules map to (``rules/standards/vocabulary.yaml``)."""
    return rules_dir() / "standards" / "vocabulary.yaml"
