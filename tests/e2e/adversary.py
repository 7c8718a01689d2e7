"""The reader who wants a number the report hides: small bundles and the arithmetic on the files.

Nothing here imports labelaudit's privacy code: the adversary reads the written
``findings.json`` (and ``report.html``) only, and solves its own linear programs with
scipy. It is given the truth about who is in which group (which cells exist, and that
nobody left an attribute undisclosed), the strongest position a reader could be in, and
knows what a suppressed row's reason says ("fewer than k": 1..k-1; "hidden so that a
smaller group can't be derived": k or more; a folded "N other values" row: N groups of
1..k-1 each).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linprog

SCHEMA = """fields:
  toxicity:
    level: nominal
    values: [no, yes, unsure]
    escape_values: [unsure]
"""


def write_bundle(
    folder: Path,
    raters: list[dict],
    label: Callable[[int, dict, int], str | None],
    *,
    n_items: int = 60,
    toml: str = "",
    per_rater: int = 30,
    items: pd.DataFrame | None = None,
) -> Path:
    """A bundle: ``raters`` (attribute dicts, ids ann-0001...), each judging ``per_rater``
    of ``n_items`` items with ``label(rater_index, attributes, item)``."""
    folder.mkdir(parents=True, exist_ok=True)
    ann = pd.DataFrame(raters)
    ann.insert(0, "annotator_id", [f"ann-{i + 1:04d}" for i in range(len(raters))])
    ann.to_csv(folder / "annotators.csv", index=False)
    rows = []
    for r, attrs in enumerate(raters):
        for j in range(per_rater):
            item = (r * 7 + j) % n_items
            value = label(r, attrs, j)
            if value is not None:
                rows.append({"item_id": f"item-{item:03d}", "annotator_id": ann.iat[r, 0],
                             "field": "toxicity", "label": value})  # fmt: skip
    pd.DataFrame(rows).drop_duplicates(["item_id", "annotator_id"]).to_csv(
        folder / "judgments.csv", index=False
    )
    (folder / "schema.yaml").write_text(SCHEMA, encoding="utf-8")
    if items is not None:
        items.to_csv(folder / "items.csv", index=False)
    base = "n_boot = 0\nn_permutations = 20\n"
    (folder / "labelaudit.toml").write_text(base + toml, encoding="utf-8")
    return folder


def load(out: Path) -> dict:
    return json.loads((out / "findings.json").read_text(encoding="utf-8"))


def everything(out: Path) -> str:
    """Every byte the audit wrote under ``out`` (all reports, all formats; not the inputs)."""
    return "\n".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in sorted(out.rglob("*"))
        if p.is_file() and "sample-bundle" not in p.parts
    )


# ------------------------------------------------------------------ the cells
Cell = frozenset  # {(attribute, value), ...}


def cell_of(attribute: str, group: str, prefix: Iterable[tuple[str, str]] = ()) -> Cell:
    parts = attribute.split("×")
    values = str(group).split("×")
    return frozenset(zip(parts, values, strict=True)) | frozenset(prefix)


def folded(group: object) -> int | None:
    """N of a folded "N other values (each fewer than k raters)" row, else None."""
    text = str(group)
    if " other value" not in text:
        return None
    return int(text.split(" ", 1)[0])


def truth(annotators: pd.DataFrame, conj: list[tuple[str, ...]]) -> dict[Cell, int]:
    """Every cell that exists (raters per combination of values), for each attribute set."""
    out: dict[Cell, int] = {}
    for attrs in conj:
        for values, n in annotators.groupby(list(attrs)).size().items():
            vals = values if isinstance(values, tuple) else (values,)
            out[frozenset(zip(attrs, map(str, vals), strict=True))] = int(n)
    return out


def relations(cells: Iterable[Cell]) -> list[tuple[Cell, list[Cell]]]:
    """Each cell is the sum of the cells one attribute finer (nobody is undisclosed)."""
    cells = set(cells)
    out = []
    for parent in cells | {frozenset()}:
        attrs = {a for a, _ in parent}
        finer: dict[str, list[Cell]] = {}
        for c in cells:
            extra = {a for a, _ in c} - attrs
            if parent <= c and len(extra) == 1:
                finer.setdefault(extra.pop(), []).append(c)
        out += [(parent, kids) for kids in finer.values()]
    return out


def ranges(
    known: dict[Cell, float],
    unknown: dict[Cell, tuple[float, float]],
    rels: list[tuple[Cell, list[Cell]]],
    total: float | None,
) -> dict[Cell, tuple[float, float]]:
    """The adversary's linear programs: the least and most each unknown cell can be."""
    names = sorted(unknown, key=lambda c: sorted(c))
    index = {c: i for i, c in enumerate(names)}
    a_eq, b_eq = [], []
    for parent, kids in rels:
        row = np.zeros(len(names))
        rhs = 0.0
        terms = [(parent, -1.0)] + [(k, 1.0) for k in kids]
        if parent == frozenset():
            if total is None:
                continue
            terms = [(k, 1.0) for k in kids]
            rhs = total
        usable = True
        for c, coef in terms:
            if c in index:
                row[index[c]] += coef
            elif c in known:
                rhs -= coef * known[c]
            else:
                usable = False  # a cell the adversary knows nothing about
        if usable and row.any():
            a_eq.append(row)
            b_eq.append(rhs)
    out = {}
    bounds = [(lo, None if math.isinf(hi) else hi) for lo, hi in (unknown[c] for c in names)]
    for c in names:
        if not a_eq:
            out[c] = unknown[c]
            continue
        ends = []
        for sign in (1.0, -1.0):
            obj = np.zeros(len(names))
            obj[index[c]] = sign
            res = linprog(obj, A_eq=np.array(a_eq), b_eq=np.array(b_eq), bounds=bounds)
            # res.fun is min(sign * x): the least x, or minus the most
            ends.append(
                sign * res.fun if res.status == 0 else (-math.inf if sign > 0 else math.inf)
            )
        out[c] = (ends[0], ends[1])
    return out


def whole_values(span: tuple[float, float]) -> int:
    lo, hi = span
    if math.isinf(hi):
        return 2
    return math.floor(hi + 1e-7) - math.ceil(lo - 1e-7) + 1


def read_cells(
    rows: list[dict], column: str, prefix: Iterable[tuple[str, str]] = ()
) -> tuple[dict[Cell, float], dict[Cell, str], dict[str, int]]:
    """Printed values, hidden cells with their reason, and folded counts per attribute."""
    known: dict[Cell, float] = {}
    hidden: dict[Cell, str] = {}
    folds: dict[str, int] = {}
    for r in rows:
        attr, group = r.get("attribute"), r.get("group")
        if not attr or group is None:
            continue
        n = folded(group)
        if n is not None:
            folds[attr] = folds.get(attr, 0) + n
            continue
        cell = cell_of(attr, group, prefix)
        if r.get("suppressed"):
            hidden[cell] = r.get("suppressed_reason") or "small"
        elif r.get(column) is not None:
            known[cell] = float(r[column])
    return known, hidden, folds


def attack_sizes(
    reports: list[tuple[dict, list[tuple[str, str]]]],
    exists: dict[Cell, int],
    k: int,
    table: str = "representation",
    column: str = "n_annotators",
    total: float | None = None,
) -> dict[Cell, tuple[float, float]]:
    """Ranges of every cell a report hides, from every report's ``table`` at once."""
    known: dict[Cell, float] = {}
    reason: dict[Cell, str] = {}
    for doc, prefix in reports:
        rows = [r for r in doc["metrics"].get(table, []) if r.get("field") in (None, "")]
        kn, hid, _ = read_cells(rows, column, prefix)
        known.update(kn)
        reason.update(hid)
    unknown = {}
    for c in exists:
        if c in known:
            continue
        why = reason.get(c)
        if why == "complementary":
            unknown[c] = (k, math.inf)
        elif why == "small" or exists[c] < k:  # named small, or one of a folded row's
            unknown[c] = (1, k - 1)
        else:
            unknown[c] = (0, math.inf)  # printed nowhere: the adversary knows nothing
    return ranges(known, unknown, relations(exists), total)


#: counts that add up over raters, as a reader would take them (not agreement's: those
#: cover other raters for each attribute)
ADDITIVE = {
    "representation": ["n_annotators", "n_judgments"],
    "representation_by_field": ["n_annotators", "n_judgments"],
    "label_shares": ["n_annotators", "n_judgments", "group_judgments"],
    "contested_items": ["n_annotators"],
    "group_association": ["n_annotators"],
    "qc_by_group": ["n_annotators", "n_flagged"],
    "escape_usage": ["n_annotators", "n_judgments"],
    "timing_by_group": ["n_annotators", "n_judgments"],
    "fast_judgments": ["n_annotators", "n_judgments", "n_fast"],
    "pay_by_group": ["n_annotators", "n_compared"],
}
IDENTITY = ("field", "scope", "value", "level", "currency")


def attack_counts(
    reports: list[tuple[dict, list[tuple[str, str]]]],
    annotators: pd.DataFrame,
    conj: list[tuple[str, ...]],
    k: int,
) -> list[tuple]:
    """Every positive hidden count of a group below k that the arithmetic pins, per table,
    block and count, over all reports at once (nothing may come back)."""
    filled = annotators.fillna("∅")
    exists = truth(filled, conj)
    small = {c for c, n in exists.items() if n < k and not any(v == "∅" for _, v in c)}
    found = []
    for table, columns in ADDITIVE.items():
        blocks: dict[tuple, list[tuple[dict, list]]] = {}
        for doc, prefix in reports:
            for r in doc["metrics"].get(table, []):
                if r.get("attribute"):
                    key = tuple(r.get(c) for c in IDENTITY)
                    blocks.setdefault(key, []).append((r, prefix))
        for block, rows in blocks.items():
            for column in columns:
                known: dict[Cell, float] = {}
                hidden: set[Cell] = set()
                seen: set[Cell] = set()
                for r, prefix in rows:
                    if folded(r["group"]) is not None:
                        continue
                    cell = cell_of(r["attribute"], r["group"], prefix)
                    seen.add(cell)
                    if r.get("suppressed"):
                        hidden.add(cell)
                    elif r.get(column) is not None:
                        known[cell] = float(r[column])
                unknown = {}
                for c in exists:
                    if c in known:
                        continue
                    if c in hidden or c not in seen:
                        unknown[c] = (0.0, math.inf)  # hidden, folded, or never printed
                totals = [sum(known[c] for c in exists if len(c) == 1 and a in dict(c))
                          for a in {a for a, in [tuple(x[0] for x in c) for c in exists if len(c) == 1]}
                          if all(c in known for c in exists if len(c) == 1 and a in dict(c))]  # fmt: skip
                spans = ranges(known, unknown, relations(exists), totals[0] if totals else None)
                for c in small:
                    if c in spans and whole_values(spans[c]) < 2 and spans[c][0] > 0:
                        found.append((table, block, column, sorted(c), spans[c]))
    return found
