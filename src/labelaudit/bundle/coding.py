"""Integer coding of one field's judgments for the numeric core.

The statistics read items, annotators and values as integer codes (never a dense
annotator x item matrix). :func:`code_field` turns the scored rows of one field (or one
option of a multi-choice field) into a :class:`~labelaudit.bundle.types.CodedField`;
:class:`~labelaudit.bundle.model.Bundle` caches the result per field.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labelaudit.bundle.labels import label_key, lookup_codes
from labelaudit.bundle.types import CodedField, FieldSpec, Level


def code_field(
    spec: FieldSpec,
    positions: np.ndarray,
    labels_of: pd.Series,
    label_codes: tuple[np.ndarray, np.ndarray] | None,
    row_codes: tuple[np.ndarray, np.ndarray],
    n_items: int,
    n_annotators: int,
    option: str | None = None,
) -> CodedField:
    """Code the judgment rows at ``positions`` (the field's scored rows, ascending).

    ``labels_of`` is the judgments' ``label`` column; ``label_codes`` the label code of
    every row and the distinct labels (None when labels are lists), so in-schema lookups
    run once per distinct label; ``row_codes`` the item and annotator code of every row.
    Multi-choice fields are coded one ``option`` at a time as the binary nominal field
    "option chosen / not chosen". Labels outside the schema's values are left out (they
    are reported as data findings during validation).
    """
    if (
        spec.kind == "multi"
        or label_codes is None
        or not (spec.level in ("nominal", "ordinal") or spec.values)
    ):
        labels = labels_of.iloc[positions]
    if spec.kind == "multi":
        if option is None:
            raise ValueError(f"field {spec.name!r} is multi-choice: pass option=")
        value_list: list = [False, True]
        codes = labels.map(
            lambda v: int(option in v) if isinstance(v, (list, tuple, np.ndarray)) else -1
        ).to_numpy(dtype=np.int64)
        numeric = np.array([0.0, 1.0])
        level: Level = "nominal"
    elif spec.level in ("nominal", "ordinal") or spec.values:
        value_list = list(spec.values)
        lookup = {label_key(v): i for i, v in enumerate(value_list)}
        if label_codes is not None:
            row_label_codes, uniques = label_codes
            table = np.array([lookup.get(label_key(u), -1) for u in uniques] + [-1], np.int64)
            codes = table[row_label_codes[positions]]
        else:
            codes = lookup_codes(labels, lookup)
        if spec.level in ("interval", "ratio"):
            numeric = np.asarray([float(v) for v in value_list], dtype=float)
        else:
            numeric = np.arange(len(value_list), dtype=float)
        level = spec.level
    else:
        nums = pd.to_numeric(labels, errors="coerce").to_numpy(dtype=float)
        uniq = np.unique(nums[~np.isnan(nums)])
        value_list = uniq.tolist()
        codes = np.full(len(nums), -1, dtype=np.int64)
        ok = ~np.isnan(nums)
        codes[ok] = np.searchsorted(uniq, nums[ok])
        numeric = uniq.astype(float)
        level = spec.level
    keep = positions[codes >= 0]
    row_items, row_anns = row_codes
    out = CodedField(
        field=spec.name if option is None else f"{spec.name}:{option}",
        level=level,
        item_codes=row_items[keep],
        annotator_codes=row_anns[keep],
        value_codes=codes[codes >= 0],
        values=value_list,
        numeric=numeric,
        n_items=n_items,
        n_annotators=n_annotators,
    )
    # shared by every analysis through the cache: read-only, so none can alter another's
    for arr in (out.item_codes, out.annotator_codes, out.value_codes, out.numeric):
        arr.setflags(write=False)
    return out
