"""Analyses: the glue that turns a bundle into metric tables using the stats core.

An analysis is a function ``(bundle, config, rulebook) -> AnalysisOutput`` registered
with :func:`analysis`; it reads rule parameters from the rulebook (never from rule files
or the raw config), so a figure and the verdict on it use the same setting. It returns pandas tables (named as in findings.json ``metrics``),
facts for checks and the report, and methods notes. Analyses never decide what is a
finding (that is the checks' job) and never apply privacy rules (that is
:mod:`labelaudit.privacy`'s job, once, after every analysis has run). Grouped tables
carry ``attribute``, ``group``, ``n_annotators`` and ``suppressed`` columns so the
privacy step can suppress small groups uniformly.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from labelaudit.bundle.model import Bundle
from labelaudit.config import AuditConfig
from labelaudit.rulebook import Rulebook, build_rulebook


@dataclass
class AnalysisOutput:
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    #: methods notes for the report: {"title", "text", "reference", "limits"}
    methods: list[dict[str, str]] = field(default_factory=list)


AnalysisFn = Callable[[Bundle, AuditConfig, Rulebook], AnalysisOutput]


@dataclass
class Analysis:
    name: str
    order: int
    fn: AnalysisFn


_ANALYSES: dict[str, Analysis] = {}


def analysis(name: str, order: int = 50) -> Callable[[AnalysisFn], Callable[..., AnalysisOutput]]:
    """Register an analysis; lower ``order`` runs first.

    The registered function takes ``(bundle, cfg, rulebook)``. Called directly (a
    notebook, a test) the rulebook may be left out: it is then resolved from ``cfg``, as
    the pipeline does once for every analysis.
    """

    def deco(fn: AnalysisFn) -> Callable[..., AnalysisOutput]:
        if name in _ANALYSES:
            raise RuntimeError(f"analysis {name} registered twice")

        @functools.wraps(fn)
        def run(
            bundle: Bundle, cfg: AuditConfig, rulebook: Rulebook | None = None
        ) -> AnalysisOutput:
            return fn(bundle, cfg, rulebook if rulebook is not None else build_rulebook(cfg))

        _ANALYSES[name] = Analysis(name, order, run)
        return run

    return deco


def registered_analyses() -> list[Analysis]:
    """Every analysis, in run order.

    Complete whenever this module is imported: importing it runs the package's
    ``__init__``, which imports every analysis module (and so registers them).
    """
    return sorted(_ANALYSES.values(), key=lambda a: (a.order, a.name))


def audited_attributes(
    bundle: Bundle, cfg: AuditConfig, extra: list[str] | None = None
) -> list[str]:
    """Annotator attributes to break figures down by, in order, each once.

    ``cfg.group_by`` (default: every categorical attribute, see
    :meth:`Bundle.group_attributes`), then ``extra`` (e.g. the target's attributes), then
    the requested intersections as ``"a×b"``; attributes the annotators table lacks are
    left out (the loader has already rejected explicitly named ones), and so are columns
    that identify raters (:meth:`Bundle.identifier_columns`).
    """
    if bundle.annotators is None:
        return []
    # columns that identify raters are never groups, even when named (a data finding says so)
    cols = set(bundle.annotators.columns) - set(bundle.identifier_columns())
    attrs = list(cfg.group_by) if cfg.group_by else bundle.group_attributes()
    attrs += list(extra or [])
    attrs += ["×".join(pair) for pair in cfg.intersections]
    return [a for a in dict.fromkeys(attrs) if all(p in cols for p in a.split("×"))]
