"""The validated, in-memory audit bundle.

Everything downstream of the sources reads a :class:`Bundle`. Tables are pandas
DataFrames with normalised dtypes (ids are strings); the numeric core reads the
integer-coded view returned by :meth:`Bundle.coded`, which never builds a dense
annotator x item matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

Level = Literal["nominal", "ordinal", "interval", "ratio"]
FieldKind = Literal["single", "multi", "pairwise", "ranking", "text"]
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")

#: attribute columns never used as default group-by attributes (CONTRACT section 2)
NON_GROUP_ATTRIBUTES = frozenset({"annotator_id", "languages", "hourly_pay", "currency"})


@dataclass
class FieldSpec:
    """One label field (the question annotators answered)."""

    name: str
    level: Level
    values: list = field(default_factory=list)  # ordered; empty for open numeric scales
    escape_values: list[str] = field(default_factory=list)
    kind: FieldKind = "single"
    inferred: bool = False  # True when the schema was inferred from the labels
    escape_inferred: bool = False  # True when escape values were found by name


@dataclass
class Guideline:
    """One guideline document, as plain text lines (1-based line numbers)."""

    name: str  # file name as given (shown in reports, escaped there)
    lines: list[str]
    source_format: Literal["md", "txt", "html"] = "txt"

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class Target:
    """The population the rater pool should reflect.

    ``attributes`` maps attribute -> {group: share}; ``joint`` optionally holds a
    joint distribution with one column per attribute plus ``share``.
    """

    name: str
    source: str | None
    attributes: dict[str, dict[str, float]]
    joint: pd.DataFrame | None = None
    year: str | None = None
    path: str | None = None


@dataclass
class InputFile:
    path: str
    sha256: str
    rows: int | None


@dataclass
class DataIssue:
    """A problem the audit survives. Each becomes a ``data`` finding (never dropped)."""

    code: str  # rule code, e.g. "LA001"
    message: str
    count: int
    file: str | None = None
    column: str | None = None
    rows: list[int] = field(default_factory=list)  # first offending 1-based data rows
    subject: dict = field(default_factory=dict)
    evidence: dict = field(default_factory=dict)


@dataclass
class CodedField:
    """Integer-coded judgments of one field, ready for the numeric core.

    One entry per scored (non-skipped, in-schema) judgment. ``value_codes`` index
    ``values``; ``numeric`` gives each value's position on the scale (rank for
    ordinal, the number itself for interval/ratio) so distance metrics can use it.
    """

    field: str
    level: Level
    item_codes: np.ndarray  # int64, index into Bundle.item_ids
    annotator_codes: np.ndarray  # int64, index into Bundle.annotator_ids
    value_codes: np.ndarray  # int64, index into values
    values: list
    numeric: np.ndarray  # float64, len(values)
    n_items: int
    n_annotators: int


@dataclass
class Bundle:
    """Validated audit inputs.

    ``judgments`` columns: ``item_id`` (str), ``annotator_id`` (str), ``field`` (str),
    ``label`` (object: str, float or list[str]; None when skipped), ``skipped`` (bool),
    and optionally ``created_at`` (datetime64[ns, UTC]), ``lead_time_s`` (float),
    ``on_behalf`` (bool).
    """

    judgments: pd.DataFrame
    schema: dict[str, FieldSpec]
    annotators: pd.DataFrame | None = None
    items: pd.DataFrame | None = None
    guidelines: list[Guideline] = field(default_factory=list)
    target: Target | None = None
    inputs: list[InputFile] = field(default_factory=list)
    issues: list[DataIssue] = field(default_factory=list)
    schema_inferred: bool = False
    name: str = "bundle"
    source: dict = field(default_factory=dict)  # provenance, e.g. a Label Studio pull
    rows_read: int | None = None  # judgment rows as read, before duplicates were set aside

    def subset(self, annotator_ids: set[str], name: str) -> Bundle:
        """The judgments of some annotators only (for ``--split-by`` slices).

        Data issues stay with the whole bundle's report; the slice keeps the schema,
        guidelines, target and item table so its figures compare with the whole.
        """
        keep = self.judgments["annotator_id"].isin(annotator_ids)
        ann = None
        if self.annotators is not None:
            ann = self.annotators[self.annotators["annotator_id"].isin(annotator_ids)]
        return Bundle(
            judgments=self.judgments[keep].reset_index(drop=True),
            schema=self.schema,
            annotators=None if ann is None else ann.reset_index(drop=True),
            items=self.items,
            guidelines=self.guidelines,
            target=self.target,
            inputs=self.inputs,
            issues=[],
            schema_inferred=self.schema_inferred,
            name=name,
            source=self.source,
            rows_read=int(keep.sum()),
        )

    def with_annotator_columns(self, annotators: pd.DataFrame) -> Bundle:
        """A copy with ``annotators`` (the same rows, columns added) and the caches kept.

        Every judgment-level cache (ids, row codes, coded fields) depends on the judgments
        and the annotator ids only, so a bundle that gains derived attribute columns
        (e.g. region from country) need not hash millions of ids again.
        """
        if not annotators["annotator_id"].equals(self.annotators["annotator_id"]):
            raise ValueError("with_annotator_columns keeps the annotator rows as they are")
        out = replace(self, annotators=annotators)
        for key in _JUDGMENT_CACHES:
            if key in self.__dict__:
                out.__dict__[key] = self.__dict__[key]
        return out

    # ------------------------------------------------------------------ ids
    @cached_property
    def annotator_ids(self) -> np.ndarray:
        """Every annotator id (judgments first, then annotators-table-only ids), as str."""
        ids = pd.unique(self.judgments["annotator_id"])
        if self.annotators is not None:
            extra = self.annotators.loc[
                ~self.annotators["annotator_id"].isin(ids), "annotator_id"
            ].to_numpy()
            ids = np.concatenate([ids, extra])
        return np.asarray(ids, dtype=object)

    @cached_property
    def item_ids(self) -> np.ndarray:
        return np.asarray(pd.unique(self.judgments["item_id"]), dtype=object)

    @cached_property
    def _annotator_index(self) -> pd.Index:
        return pd.Index(self.annotator_ids)

    @cached_property
    def _item_index(self) -> pd.Index:
        return pd.Index(self.item_ids)

    @cached_property
    def _row_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """Item and annotator code of every judgment row, computed once for all analyses."""
        j = self.judgments
        items = self._item_index.get_indexer(j["item_id"].to_numpy())
        anns = self._annotator_index.get_indexer(j["annotator_id"].to_numpy())
        return items.astype(np.int64), anns.astype(np.int64)

    @cached_property
    def _field_codes(self) -> tuple[np.ndarray, list[str]]:
        """Field code of every judgment row (first-appearance order) and the field names.

        Codes of this and :attr:`_label_codes` are int32 or int64: index with them,
        don't do arithmetic on them.
        """
        codes, names = pd.factorize(self.judgments["field"], use_na_sentinel=True)
        return codes.astype(np.int64), [str(n) for n in names]

    @cached_property
    def _label_codes(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Label code of every row (-1 = skipped) and the distinct labels; None with lists.

        Labels repeat millions of times: per-label work (schema lookups, keys) is done
        once per distinct label and spread to the rows through these codes.
        """
        try:
            codes, uniques = pd.factorize(self.judgments["label"], use_na_sentinel=True)
        except TypeError:  # list labels (multi-choice) are unhashable
            return None
        uniques = np.asarray(uniques, dtype=object)
        if any(isinstance(u, (bool, np.bool_)) for u in uniques):
            return None  # True == 1 when hashed, but not when keyed (_key): keep them apart
        return codes.astype(np.int64), uniques

    @cached_property
    def _field_rows(self) -> dict[str, np.ndarray]:
        """Positions of the non-skipped rows of each field (ascending)."""
        return self._rows_by_field(scored_only=True)

    @cached_property
    def _all_field_rows(self) -> dict[str, np.ndarray]:
        """Positions of every row of each field, skipped ones included (ascending)."""
        return self._rows_by_field(scored_only=False)

    # ------------------------------------------------------------ row codes
    # analyses read judgments by these integer codes rather than by id strings
    @property
    def row_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """Item and annotator code of every judgment row (into item_ids, annotator_ids)."""
        return self._row_codes

    @property
    def label_codes(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Label code of every row and the distinct labels (see :attr:`_label_codes`)."""
        return self._label_codes

    @property
    def judged_fields(self) -> list[str]:
        """Field names that occur in the judgments, in first-appearance order."""
        return self._field_codes[1]

    def field_rows(self, field_name: str, *, scored_only: bool = True) -> np.ndarray:
        """Positions (ascending) of a field's judgment rows; skipped ones too unless
        ``scored_only``. Empty for a field with no rows."""
        rows = self._field_rows if scored_only else self._all_field_rows
        return rows.get(field_name, _NO_ROWS)

    def _rows_by_field(self, *, scored_only: bool) -> dict[str, np.ndarray]:
        codes, names = self._field_codes
        if scored_only:
            codes = np.where(self.judgments["skipped"].to_numpy(dtype=bool), -1, codes)
        # one comparison pass per field: a few fields, millions of rows (no argsort)
        return {name: np.flatnonzero(codes == k) for k, name in enumerate(names)}

    def _prime(
        self,
        item_codes: np.ndarray,
        item_ids: np.ndarray,
        annotator_codes: np.ndarray,
        annotator_ids: np.ndarray,
        field_codes: np.ndarray,
        field_names: list[str],
        label_codes: np.ndarray,
        labels: np.ndarray,
    ) -> None:
        """Fill the id and coding caches from codes the loader already holds.

        Codes must be compact and in first-appearance order over ``judgments`` (what
        ``pd.unique``/``pd.factorize`` give), so every cache equals what the lazy
        properties would compute; the loader saves hashing millions of strings again.
        """
        d = self.__dict__
        d["item_ids"] = np.asarray(item_ids, dtype=object)
        ids = np.asarray(annotator_ids, dtype=object)
        if self.annotators is not None:
            extra = self.annotators.loc[
                ~self.annotators["annotator_id"].isin(ids), "annotator_id"
            ].to_numpy()
            ids = np.concatenate([ids, extra])
        d["annotator_ids"] = np.asarray(ids, dtype=object)
        d["_row_codes"] = (
            np.asarray(item_codes, dtype=np.int64),
            np.asarray(annotator_codes, dtype=np.int64),
        )
        d["_field_codes"] = (np.asarray(field_codes), list(field_names))
        labels = np.asarray(labels, dtype=object)
        if not any(isinstance(u, (bool, np.bool_)) for u in labels):
            d["_label_codes"] = (np.asarray(label_codes), labels)

    @property
    def fields(self) -> list[str]:
        return list(self.schema)

    # ---------------------------------------------------------- attributes
    def group_attributes(self) -> list[str]:
        """Categorical annotator attribute columns usable as default ``--group-by``.

        An attribute that splits the annotators exactly as an earlier one does (e.g.
        ``country`` and ``nationality``, or a ``region`` derived from five countries in
        five regions) is left out: it would repeat every group finding under another name.
        See :meth:`equivalent_attributes`.
        """
        return [a for a in self._candidate_attributes() if a not in self.equivalent_attributes()]

    def _candidate_attributes(self) -> list[str]:
        if self.annotators is None:
            return []
        out = []
        for col in self.annotators.columns:
            if col in NON_GROUP_ATTRIBUTES:
                continue
            s = self.annotators[col]
            if pd.api.types.is_numeric_dtype(s) and s.nunique(dropna=True) > 12:
                continue  # continuous (age in years, pay): not a grouping attribute
            out.append(col)
        return out

    @cached_property
    def _equivalent(self) -> dict[str, str]:
        seen: dict[tuple, str] = {}
        out: dict[str, str] = {}
        for col in self._candidate_attributes():
            codes, _ = pd.factorize(self.annotators[col].astype(object), use_na_sentinel=True)
            # canonical relabelling: the partition, not the names, decides equivalence
            _, canon = np.unique(codes, return_inverse=True)
            first = {}
            key = tuple(first.setdefault(c, len(first)) for c in canon.tolist())
            if key in seen:
                out[col] = seen[key]
            else:
                seen[key] = col
        return out

    def equivalent_attributes(self) -> dict[str, str]:
        """Attributes left out of the default group-by -> the attribute they duplicate."""
        return dict(self._equivalent)

    def group_codes(self, attribute: str) -> tuple[np.ndarray, list[str]]:
        """Per-annotator group code (aligned with ``annotator_ids``; -1 = missing) and labels.

        ``attribute`` may be ``"a×b"`` for the intersection of two attributes.
        """
        values = self.attribute_values(attribute)
        cat = pd.Categorical(values)
        labels = [str(c) for c in cat.categories]
        return np.asarray(cat.codes, dtype=np.int64), labels

    def attribute_values(self, attribute: str) -> pd.Series:
        """Per-annotator group labels (aligned with ``annotator_ids``).

        Undisclosed values ("prefer not to say", "DATA_EXPIRED", blanks...) are None, so
        they never form a group; whole numbers print without ".0". ``"a×b"`` gives the
        intersection of two attributes (None when either is undisclosed).
        """
        if self.annotators is None:
            return pd.Series([None] * len(self.annotator_ids), dtype=object)
        table = self.annotators.drop_duplicates("annotator_id").set_index("annotator_id")
        joined: pd.Series | None = None
        for part in attribute.split("×"):
            raw = table[part].reindex(self.annotator_ids).reset_index(drop=True)
            s = map_distinct(raw.astype(object), group_label)
            if joined is None:
                joined = s
            else:
                joined = pd.Series(
                    [
                        None if a is None or b is None else f"{a}×{b}"
                        for a, b in zip(joined, s, strict=True)
                    ],
                    dtype=object,
                )
        assert joined is not None
        return joined

    # -------------------------------------------------------------- coding
    def scored(self, field_name: str) -> pd.DataFrame:
        """Non-skipped judgments of one field (rows as in ``judgments``)."""
        rows = self._field_rows.get(field_name, np.zeros(0, dtype=np.int64))
        return self.judgments.iloc[rows]

    def coded(self, field_name: str, option: str | None = None) -> CodedField:
        """Integer-coded judgments for ``field_name``.

        Multi-choice fields are coded one option at a time: pass ``option`` to get
        the binary nominal field "option chosen / not chosen".
        Labels outside the schema's values are excluded (they are reported as data
        findings during validation).
        """
        key = (field_name, option)
        cache = self.__dict__.setdefault("_coded_cache", {})
        if key not in cache:
            cache[key] = self._code(field_name, option)
        return cache[key]

    def _code(self, field_name: str, option: str | None) -> CodedField:
        spec = self.schema[field_name]
        positions = self._field_rows.get(field_name, np.zeros(0, dtype=np.int64))
        coded_labels = self._label_codes
        if (
            spec.kind == "multi"
            or coded_labels is None
            or not (spec.level in ("nominal", "ordinal") or spec.values)
        ):
            labels = self.judgments["label"].iloc[positions]
        if spec.kind == "multi":
            if option is None:
                raise ValueError(f"field {field_name!r} is multi-choice: pass option=")
            value_list: list = [False, True]
            codes = labels.map(
                lambda v: int(option in v) if isinstance(v, (list, tuple, np.ndarray)) else -1
            ).to_numpy(dtype=np.int64)
            numeric = np.array([0.0, 1.0])
            level: Level = "nominal"
        elif spec.level in ("nominal", "ordinal") or spec.values:
            value_list = list(spec.values)
            lookup = {_key(v): i for i, v in enumerate(value_list)}
            if coded_labels is not None:
                row_codes, uniques = coded_labels
                table = np.array([lookup.get(_key(u), -1) for u in uniques] + [-1], np.int64)
                codes = table[row_codes[positions]]
            else:
                codes = _lookup_codes(labels, lookup)
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
        row_items, row_anns = self._row_codes
        out = CodedField(
            field=field_name if option is None else f"{field_name}:{option}",
            level=level,
            item_codes=row_items[keep],
            annotator_codes=row_anns[keep],
            value_codes=codes[codes >= 0],
            values=value_list,
            numeric=numeric,
            n_items=len(self.item_ids),
            n_annotators=len(self.annotator_ids),
        )
        # shared by every analysis through the cache: read-only, so none can alter another's
        for arr in (out.item_codes, out.annotator_codes, out.value_codes, out.numeric):
            arr.setflags(write=False)
        return out

    def scored_units(self) -> list[tuple[str, str | None]]:
        """(field, option) pairs that agreement statistics run over.

        Single-valued fields give ``(field, None)``; multi-choice fields give one
        binary unit per option; free-text fields are not scored.
        """
        units: list[tuple[str, str | None]] = []
        for name, spec in self.schema.items():
            if spec.kind == "text":
                continue
            if spec.kind == "multi":
                units.extend((name, str(v)) for v in spec.values)
            else:
                units.append((name, None))
        return units


_NO_ROWS = np.zeros(0, dtype=np.int64)
_NO_ROWS.flags.writeable = False

#: Bundle caches computed from the judgments and annotator ids alone
_JUDGMENT_CACHES = (
    "annotator_ids",
    "item_ids",
    "_annotator_index",
    "_item_index",
    "_row_codes",
    "_field_codes",
    "_label_codes",
    "_field_rows",
    "_all_field_rows",
    "_coded_cache",
)

#: values meaning "not disclosed" (compared case-insensitively, "_" read as " ")
UNDISCLOSED = frozenset(
    {
        "",
        "prefer not to say",
        "prefer not to answer",
        "rather not say",
        "data expired",
        "unknown",
        "n/a",
        "undisclosed",
        "not disclosed",
        "consent revoked",
    }
)


def is_undisclosed(value: object) -> bool:
    """True for null and for the usual "not disclosed" spellings (see UNDISCLOSED).

    >>> [is_undisclosed(v) for v in [None, "DATA_EXPIRED", "Prefer not to say", "Kenya"]]
    [True, True, True, False]
    """
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    if isinstance(value, (list, tuple, np.ndarray)):
        return len(value) == 0
    return str(value).strip().casefold().replace("_", " ") in UNDISCLOSED


def group_label(value: object) -> str | None:
    """How a group is named in every table: None when undisclosed, 22.0 -> "22".

    >>> group_label(22.0), group_label(" Kenya "), group_label("DATA_EXPIRED")
    ('22', 'Kenya', None)
    """
    if is_undisclosed(value):
        return None
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def map_distinct(s: pd.Series, fn) -> pd.Series:
    """Apply ``fn`` once per distinct value (ids and labels repeat millions of times).

    >>> map_distinct(pd.Series(["a", "b", "a", None]), lambda v: v and v.upper()).tolist()
    ['A', 'B', 'A', None]
    """
    try:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
    except TypeError:  # unhashable values (lists): row by row
        return s.map(fn).astype(object)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [fn(u) for u in uniques]
    mapped[-1] = fn(None)
    return pd.Series(mapped[codes], index=s.index, dtype=object)


def has_lists(s: pd.Series) -> bool:
    """Whether an object column holds any list (multi-choice) values."""
    if s.dtype != object:
        return False
    try:
        pd.factorize(s)
    except TypeError:
        return True
    return False


def _lookup_codes(labels: pd.Series, lookup: dict) -> np.ndarray:
    """Code each label by ``lookup`` (-1 when absent), once per distinct label."""
    try:
        idx, uniques = pd.factorize(labels, use_na_sentinel=True)
    except TypeError:  # lists on a single-choice field: not codable
        return labels.map(lambda v: lookup.get(_key(v), -1)).to_numpy(dtype=np.int64)
    table = np.array([lookup.get(_key(u), -1) for u in uniques] + [-1], dtype=np.int64)
    return table[idx]


def _key(v: object) -> object:
    """Normalise a label for lookup: numbers compare by value, everything else by str."""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, (int, float, np.integer, np.floating)):
        f = float(v)
        return f
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return v
    return str(v)
