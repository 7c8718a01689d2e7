"""Annotator metadata for a Label Studio pull: joined by user id or email, emails dropped.

Label Studio knows its users by id and email; the audit needs only a stable id plus the
attributes the metadata file gives (country, region, languages...). An email is used at
most to find the id, then dropped, like every other column naming a person.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from labelaudit.errors import InputError, Problem
from labelaudit.sources.base import RawTables

#: columns of an annotator metadata file that identify a person: never kept
PERSONAL_COLUMNS = frozenset(
    {"email", "e-mail", "username", "first_name", "last_name", "full_name", "name", "phone"}
)


def read_annotator_metadata(path: Path) -> pd.DataFrame:
    """Read an annotator metadata file (CSV, Parquet or JSON Lines) as a table."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet" or path.is_dir():
            table = pd.read_parquet(path)
        elif suffix == ".jsonl":
            table = pd.read_json(path, lines=True, dtype=False)
        else:
            table = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (OSError, ValueError) as exc:
        raise InputError(
            [Problem(str(path), f"cannot read the annotator metadata file: {exc}")]
        ) from None
    return table


def attach_annotator_metadata(
    raw: RawTables, path: Path | None, emails: Mapping[str, str], *, users_known: bool = False
) -> None:
    """Join annotator metadata keyed by user id or email; drop every personal column.

    Sets ``source["annotators_without_metadata"]`` (annotators with judgments but no
    metadata row) and ``source["metadata_rows_unmatched"]`` (rows whose email matches no
    user, or, when ``users_known`` (the server's user list was read), whose id matches no
    user).
    """
    ids = raw.annotators["annotator_id"].astype(str).tolist()
    if path is None:
        raw.source["annotators_without_metadata"] = len(ids)
        return
    table = read_annotator_metadata(Path(path))
    cols = {c.lower(): c for c in table.columns}
    key = next((cols[c] for c in ("annotator_id", "user_id", "id") if c in cols), None)
    if key is not None:
        keys = table[key].map(id_text)
    elif "email" in cols:
        keys = table[cols["email"]].map(lambda e: emails.get(str(e).strip().lower()))
    else:
        raise InputError(
            [
                Problem(
                    str(path),
                    "the annotator metadata file has no 'annotator_id', 'user_id', 'id' "
                    "or 'email' column",
                    fix="add a column with each annotator's Label Studio user id or email",
                )
            ]
        )
    meta = table.drop(columns=[c for c in table.columns if c.lower() in PERSONAL_COLUMNS | {key}])
    meta.insert(0, "annotator_id", keys)
    unmatched = int(meta["annotator_id"].isna().sum())
    meta = meta.dropna(subset=["annotator_id"]).drop_duplicates("annotator_id", keep="first")
    known = set(emails.values()) | set(ids)
    if users_known:
        unmatched += int((~meta["annotator_id"].isin(known)).sum())
        meta = meta[meta["annotator_id"].isin(known)]
    merged = pd.DataFrame({"annotator_id": ids}).merge(meta, on="annotator_id", how="outer")
    # pool members listed in the file but without judgments stay: they are part of the pool
    order = {a: i for i, a in enumerate(ids)}
    merged = merged.sort_values(
        "annotator_id", key=lambda s: s.map(lambda a: order.get(a, len(order))), kind="stable"
    ).reset_index(drop=True)
    raw.annotators = merged
    raw.source["annotators_without_metadata"] = len(set(ids) - set(meta["annotator_id"]))
    raw.source["metadata_rows_unmatched"] = unmatched
    raw.files["annotators"] = str(path)


def id_text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def metadata_emails(annotators_file: Path | None) -> dict[str, str]:
    """Email -> user id from a metadata file that has both (JSON_MIN/CSV name annotators
    by email when the export stored a user object)."""
    if annotators_file is None:
        return {}
    table = read_annotator_metadata(Path(annotators_file))
    cols = {c.lower(): c for c in table.columns}
    key = next((cols[c] for c in ("annotator_id", "user_id", "id") if c in cols), None)
    if key is None or "email" not in cols:
        return {}
    return {
        str(e).strip().lower(): id_text(i)
        for e, i in zip(table[cols["email"]], table[key], strict=True)
        if isinstance(e, str) and e.strip() and id_text(i) is not None
    }
