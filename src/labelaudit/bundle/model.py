"""The validated, in-memory audit bundle.

Everything downstream of the sources reads a :class:`Bundle`. Tables are pandas
DataFrames with normalised dtypes (ids are strings); the numeric core reads the
integer-coded view returned by :meth:`Bundle.coded`, which never builds a dense
annotator x item matrix. The records it holds are in :mod:`~labelaudit.bundle.types`,
the coding in :mod:`~labelaudit.bundle.coding` and the grouping of annotators in
:mod:`~labelaudit.bundle.attributes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd

from labelaudit.bundle import attributes as attrs
from labelaudit.bundle.coding import code_field
from labelaudit.bundle.types import CodedField, DataIssue, FieldSpec, Guideline
from labelaudit.populations.targets import Target
from labelaudit.sources.base import InputFile


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
    #: "no answer" codes cleared from the annotators table: attribute -> code -> raters
    undisclosed_codes: dict[str, dict[str, int]] = field(default_factory=dict)
    #: where each input came from (role -> path as the user would write it; guidelines
    #: as ``guideline:NAME``), for renderers that point at files (SARIF, annotations)
    files: dict[str, str] = field(default_factory=dict)
    #: groups the privacy plan hides, by attribute: {group: reason}; set by the pipeline
    #: before any analysis runs, so figures pooled across groups can leave them out
    disclosure: dict[str, dict[str, str]] = field(default_factory=dict)

    def subset(self, annotator_ids: set[str], name: str, split_by: str | None = None) -> Bundle:
        """The judgments of some annotators only (for ``--split-by`` slices).

        Data issues stay with the whole bundle's report. The slice keeps the schema and
        guidelines, and only the items its annotators judged (so its coverage figures
        count its own items). ``split_by``, the attribute the slice is cut on, leaves the
        target: every rater of the slice shares one value of it, so comparing the slice
        with the target's other groups would only report them all as missing.
        """
        keep = self.judgments["annotator_id"].isin(annotator_ids)
        judgments = self.judgments[keep].reset_index(drop=True)
        ann = items = None
        if self.annotators is not None:
            ann = self.annotators[self.annotators["annotator_id"].isin(annotator_ids)]
        if self.items is not None:
            judged = self.items["item_id"].isin(judgments["item_id"].unique())
            items = self.items[judged].reset_index(drop=True)
        target = self.target
        if target is not None and split_by is not None:
            target = _target_without(target, split_by)
        return Bundle(
            judgments=judgments,
            schema=self.schema,
            annotators=None if ann is None else ann.reset_index(drop=True),
            items=items,
            guidelines=self.guidelines,
            target=target,
            inputs=self.inputs,
            issues=[],
            schema_inferred=self.schema_inferred,
            name=name,
            source=self.source,
            rows_read=int(keep.sum()),
            files=self.files,
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
        same = self._equivalent
        return [a for a in attrs.candidate_attributes(self.annotators) if a not in same]

    def hidden_groups(self, attribute: str) -> dict[str, str]:
        """Groups of ``attribute`` no output shows ({group: "small" | "complementary"}).

        Figures that pool several groups (a test over the groups, a distance from the
        target) must treat these as one bucket or leave them out, or the pooled figure
        could give a hidden group back.
        """
        return self.disclosure.get(attribute, {})

    @cached_property
    def _identifiers(self) -> dict[str, str]:
        return attrs.identifier_columns(self.annotators)

    def identifier_columns(self) -> dict[str, str]:
        """Annotator columns that identify raters (never group attributes) -> why."""
        return dict(self._identifiers)

    @cached_property
    def _equivalent(self) -> dict[str, str]:
        return attrs.equivalent_attributes(self.annotators)

    def equivalent_attributes(self) -> dict[str, str]:
        """Attributes left out of the default group-by -> the attribute they duplicate."""
        return dict(self._equivalent)

    def group_codes(self, attribute: str) -> tuple[np.ndarray, list[str]]:
        """Per-annotator group code (aligned with ``annotator_ids``; -1 = missing) and labels.

        ``attribute`` may be ``"a×b"`` for the intersection of two attributes.
        """
        return attrs.group_codes(self.attribute_values(attribute))

    def attribute_values(self, attribute: str) -> pd.Series:
        """Per-annotator group labels (aligned with ``annotator_ids``); see
        :func:`labelaudit.bundle.attributes.attribute_values`."""
        return attrs.attribute_values(self.annotators, self.annotator_ids, attribute)

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
        return code_field(
            self.schema[field_name],
            self._field_rows.get(field_name, _NO_ROWS),
            self.judgments["label"],
            self._label_codes,
            self._row_codes,
            len(self.item_ids),
            len(self.annotator_ids),
            option,
        )

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


def _target_without(target: Target, attribute: str) -> Target | None:
    """``target`` with one attribute left out (None when nothing is left); a joint
    distribution is summed over the attribute's values."""
    attributes = {a: g for a, g in target.attributes.items() if a != attribute}
    joint = target.joint
    if joint is not None and attribute in joint.columns:
        rest = [c for c in joint.columns if c not in (attribute, "share")]
        joint = joint.groupby(rest, as_index=False)["share"].sum() if rest else None
    if not attributes and joint is None:
        return None
    return replace(target, attributes=attributes, joint=joint)
