"""LA504's pay floors, resolved once from ``[rules.LA504]`` before the audit runs.

``floors`` maps a country or region to a number (in ``floor_currency``), a string like
``"2.50 USD"`` or ``{amount, currency}``; ``floor_csv`` names a CSV with columns
``country`` (or ``region``), ``currency`` and ``hourly_floor`` whose rows override
``floors``. A floor that can't be read is bad input (exit 2), not a skipped table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from labelaudit.errors import Problem

#: lower-cased country or region -> (hourly amount, currency)
PayFloors = dict[str, tuple[float, str]]


def pay_floors(
    params: dict[str, Any],
    base_dir: Path | None = None,
    problems: list[Problem] | None = None,
    where: str = "command line",
) -> PayFloors:
    """Hourly pay floors keyed by lower-cased country or region: ``{key: (amount, currency)}``.

    Problems are appended to ``problems`` (raised as ``ValueError`` when it is None).

    >>> pay_floors({"floors": {"KE": 1.5, "India": "2.50 INR"}, "floor_currency": "USD"})
    {'ke': (1.5, 'USD'), 'india': (2.5, 'INR')}
    """
    bad: list[Problem] = [] if problems is None else problems
    n_before = len(bad)
    default_cur = str(params.get("floor_currency") or "USD")
    out: PayFloors = {}
    floors = params.get("floors") or {}
    if not isinstance(floors, dict):
        bad.append(_problem(where, f"floors must be a table, got {floors!r}", "rules.LA504.floors"))
        floors = {}
    for key, val in floors.items():
        try:
            if isinstance(val, dict):
                amount = val.get("amount", val.get("hourly_floor"))
                out[str(key).lower()] = (float(amount), str(val.get("currency", default_cur)))
            elif isinstance(val, str) and len(val.split()) == 2:
                amount, cur = val.split()
                out[str(key).lower()] = (float(amount), cur)
            else:
                out[str(key).lower()] = (float(val), default_cur)
        except (TypeError, ValueError):
            bad.append(
                _problem(
                    where,
                    f"pay floor {key!r} = {val!r} is not an amount",
                    f"rules.LA504.floors.{key}",
                )
            )
    csv = params.get("floor_csv")
    if csv:
        path = Path(csv)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        out.update(_csv_floors(path, bad))
    if problems is None and len(bad) > n_before:
        raise ValueError("; ".join(p.message for p in bad[n_before:]))
    return out


def _csv_floors(path: Path, problems: list[Problem]) -> PayFloors:
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        problems.append(
            Problem(
                str(path),
                f"cannot read the pay-floor CSV ({exc})",
                setting="rules.LA504.floor_csv",
                fix="point floor_csv at a CSV with country (or region), currency, hourly_floor",
            )
        )
        return {}
    key_col = "country" if "country" in table.columns else "region"
    missing = [c for c in (key_col, "currency", "hourly_floor") if c not in table.columns]
    if missing:
        problems.append(
            Problem(
                str(path),
                f"pay-floor CSV lacks column(s) {', '.join(missing)}",
                setting="rules.LA504.floor_csv",
                fix="give it the columns country (or region), currency and hourly_floor",
            )
        )
        return {}
    amounts = pd.to_numeric(table["hourly_floor"], errors="coerce")
    rows = [int(i) + 1 for i in table.index[amounts.isna()][:5]]
    if rows:
        problems.append(
            Problem(
                str(path),
                "hourly_floor is not a number",
                column="hourly_floor",
                rows=rows,
                fix="write the floor as a plain number (e.g. 2.5) in every row",
            )
        )
        return {}
    return {
        str(k).lower(): (float(a), str(c))
        for k, c, a in zip(table[key_col], table["currency"], amounts, strict=True)
    }


def _problem(where: str, message: str, setting: str) -> Problem:
    return Problem(
        where,
        message,
        setting=setting,
        fix='write floors = {KE = 1.5} or {India = "2.50 INR"} under [rules.LA504]',
    )
