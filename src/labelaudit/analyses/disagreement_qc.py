"""QC bias of the disagreement analysis: per-annotator agreement and the simulated QC cut.

Each annotator's agreement is the share of their judgments equal to the majority of the
other annotators on the same item; the QC cut teams commonly apply (LA112's parameters)
flags the lowest-agreeing. Per group: its share of the flagged against its share of the
evaluated pool, tested by relabelling the evaluated raters (family LA112).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from labelaudit.analyses.significance import id_order, supported
from labelaudit.bundle.model import Bundle
from labelaudit.bundle.types import CodedField
from labelaudit.config import AuditConfig
from labelaudit.rulebook import Rulebook
from labelaudit.stats import majority as mj
from labelaudit.stats.rater_sums import GroupCount
from labelaudit.stats.significance import Contrast

#: leave-one-out agreement needs at least this many other judgments on the item
MIN_OTHERS = 2
#: LA112's parameters that define the simulated QC cut (defaults and sources in its YAML)
QC_PARAMETERS = ("qc_bottom_share", "qc_min_agreement", "qc_min_items")


def annotator_agreement(
    bundle: Bundle, coded: CodedField, pooled: np.ndarray, qc: dict[str, Any], out: list[dict]
) -> pd.DataFrame:
    """Per-annotator agreement with the others' majority, and the QC flag; returns the rows."""
    comparable, agrees = mj.leave_one_out_agreement(
        coded.item_codes, coded.value_codes, pooled, min_others=MIN_OTHERS
    )
    n = np.bincount(coded.annotator_codes[comparable], minlength=coded.n_annotators)
    hits = np.bincount(coded.annotator_codes[agrees], minlength=coded.n_annotators)
    ann = id_order(bundle.annotator_ids, np.flatnonzero(n > 0))  # rows in id order
    agreement = hits[ann] / n[ann]
    evaluated = n[ann] >= int(qc["qc_min_items"])
    flagged = np.zeros(len(ann), dtype=bool)
    flagged[evaluated] = mj.low_agreement_flags(
        agreement[evaluated], bottom_share=qc["qc_bottom_share"], below=qc["qc_min_agreement"]
    )
    frame = pd.DataFrame({
        "annotator_id": bundle.annotator_ids[ann].astype(str), "field": coded.field,
        "n_items": n[ann], "agreement": agreement, "flagged": flagged, "evaluated": evaluated,
        "annotator_code": ann,
    })  # fmt: skip
    out.extend(frame.drop(columns="annotator_code").to_dict(orient="records"))
    return frame


def qc_by_group(
    field: str,
    frame: pd.DataFrame,
    codes: np.ndarray,
    labels: list[str],
    attr: str,
    cfg: AuditConfig,
    rulebook: Rulebook,
    annotator_ids: np.ndarray,
    strata: np.ndarray | None,
) -> tuple[list[dict | None], Contrast]:
    """One row per group with evaluated raters (None for the others) and the contrast."""
    ev = frame[frame["evaluated"].to_numpy()]
    who = ev["annotator_code"].to_numpy()
    g = codes[who]
    known = g >= 0
    g, flagged = g[known], ev["flagged"].to_numpy()[known]
    total, total_flagged = len(g), int(flagged.sum())
    size = np.bincount(g, minlength=len(labels))
    n_flag = np.bincount(g[flagged], minlength=len(labels))
    rows: list[dict | None] = []
    tested = np.zeros(len(labels), dtype=bool)
    for i, name in enumerate(labels):
        if size[i] == 0:
            rows.append(None)
            continue
        pool_share = size[i] / total
        share_flagged = n_flag[i] / total_flagged if total_flagged else np.nan
        tested[i] = (
            bool(total_flagged)
            and size[i] >= cfg.min_group_size
            and supported(rulebook, "LA112", n_annotators=int(size[i]))
        )
        rows.append({
            "field": field, "attribute": attr, "group": name, "n_annotators": int(size[i]),
            "n_flagged": int(n_flag[i]), "flagged_share": n_flag[i] / size[i],
            "pool_share": pool_share, "share_of_flagged": share_flagged,
            "ratio": share_flagged / pool_share, "suppressed": False,
        })  # fmt: skip
    flag = np.zeros(codes.size)
    flag[who[known]] = flagged
    # the cut's raters (evaluated, with a value) are relabelled among themselves
    order = id_order(annotator_ids, who[known])
    stat = GroupCount(flag, len(labels))
    n = len(labels)
    contrast = Contrast(f"qc|{field}|{attr}", codes, order, stat, ["LA112"] * n,
                        ["greater"] * n, tested, strata, stat.block)  # fmt: skip
    return rows, contrast


def describe_qc(qc: dict[str, Any]) -> str:
    """The QC cut in words, for messages and the methods section."""
    if qc["qc_min_agreement"] is not None:
        cut = f"agreement with the others' majority below {qc['qc_min_agreement']:g}"
    else:
        cut = f"the lowest-agreeing {qc['qc_bottom_share']:.0%} of annotators"
    return f"{cut} (annotators with at least {qc['qc_min_items']} comparable items)"
