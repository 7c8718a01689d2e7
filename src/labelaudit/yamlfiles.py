"""A YAML file that must hold a mapping (schema, target, rule), read with the bounded
reader of :mod:`labelaudit.yamlio`; what is wrong becomes a :class:`Problem`.
"""

from __future__ import annotations

from pathlib import Path

from labelaudit.errors import Problem
from labelaudit.yamlio import YamlError, describe, load_yaml_file


def read_mapping(path: Path, what: str, layout: str, problems: list[Problem]) -> dict | None:
    """The mapping in ``path``, or None with one problem appended.

    ``what`` names the file in messages ("the target", "a rule file"); ``layout`` is the
    fix for a file that is not a mapping.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = Path(d, "target.yaml")
    ...     _ = p.write_text("- a list\\n", encoding="utf-8")
    ...     problems = []
    ...     read_mapping(p, "the target", "see CONTRACT section 1", problems)
    ...     problems[0].message
    'the target must be a YAML mapping'
    """
    try:
        raw = load_yaml_file(path)
    except YamlError as exc:
        problems.append(Problem(str(path), f"cannot read {what}: {describe(exc)}", fix=exc.fix))
        return None
    if not isinstance(raw, dict):
        problems.append(Problem(str(path), f"{what} must be a YAML mapping", fix=layout))
        return None
    return raw
