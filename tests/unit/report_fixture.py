"""A fake but realistic AuditReport carrying every metric table the report knows.

``make_result(payload=...)`` puts the same string into every user-controlled field
(group, attribute, field and value names, item text, guideline excerpt, file names,
finding messages, target name) for the injection tests. The annotators' raw ids
(``RAW_IDS``) never enter the result: only their pseudonyms (``PSEUDONYMS``) do, as the
privacy step leaves them.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from labelaudit.analyses.tables import TABLES, metric_table
from labelaudit.checks.finding import Finding
from labelaudit.report import AuditReport

RAW_IDS = ["worker_8812", "worker_1043", "worker_5521", "mturk_A1B2C3D4", "prolific_5f9e"]
PSEUDONYMS = ["ann-3f9a21", "ann-77c0de", "ann-a1b2c3", "ann-0d4e5f", "ann-9b8a7c"]
K = 5


def table(name: str, *rows: dict | Sequence) -> pd.DataFrame:
    """Metric table ``name`` built through its declaration in :data:`TABLES`.

    A row is a mapping of declared columns (the rest stay empty, as in a table an analysis
    left partly unfilled, except ``suppressed``, which is False unless given, as the privacy
    step leaves it), or a sequence giving every declared column in order. A column the
    declaration doesn't have, or a row of the wrong width, is an error: the fixture breaks
    when ``TABLES`` changes instead of drifting away from it.
    """
    declared = TABLES[name]
    records = []
    for row in rows:
        if isinstance(row, dict):
            unknown = [c for c in row if c not in declared]
            if unknown:
                raise KeyError(f"table {name!r} declares no column {unknown} (TABLES: {declared})")
            records.append({"suppressed": False, **row} if "suppressed" in declared else row)
        elif len(row) != len(declared):
            raise ValueError(f"a row of {name!r} needs its {len(declared)} columns {declared}")
        else:
            records.append(dict(zip(declared, row, strict=True)))
    return metric_table(name, records)


def make_result(audience: str = "internal", payload: str | None = None) -> AuditReport:
    """The fixture result; ``payload`` (if given) replaces every user-supplied name."""

    def u(s: str) -> str:
        return s if payload is None else f"{s}{payload}"

    fld, attr, attr2 = u("toxicity"), u("region"), u("gender")
    africa, asia, europe, oceania = u("Africa"), u("Asia"), u("Europe"), u("Oceania")
    female, male = u("female"), u("male")
    toxic, not_toxic, unsure = u("toxic"), u("not_toxic"), u("unsure")
    guide = u("guidelines.md")

    # every table through its declaration (TABLES): a column it doesn't declare is an error
    agreement = table(
        "agreement",
        [fld, "overall", None, None, "nominal", 0.61, 0.59, 0.63, 2000, 12000, 310, False],
        [fld, "within", attr, africa, "nominal", 0.72, 0.65, 0.78, 400, 1200, 12, False],
        [fld, "within", attr, asia, "nominal", 0.58, 0.55, 0.61, 1900, 7000, 180, False],
        [fld, "within", attr, europe, "nominal", 0.63, 0.60, 0.66, 1500, 3500, 115, False],
        [fld, "within", attr, oceania, None, None, None, None, None, None, None, True],
        [fld, "cross", attr, africa, "nominal", 0.49, 0.44, 0.55, 400, 1200, 12, False],
        [fld, "cross", attr, asia, "nominal", 0.60, 0.57, 0.62, 1900, 7000, 180, False],
        [fld, "within", attr2, female, "nominal", 0.60, 0.57, 0.63, 1800, 6100, 150, False],
        [fld, "within", attr2, male, "nominal", 0.62, 0.59, 0.65, 1800, 5900, 160, False],
    )  # fmt: skip
    group_association = table(
        "group_association",
        *[
            {"field": fld, "attribute": attr, "group": g, "irr": irr, "xrr": xrr, "gai": gai,
             "p_value": p, "p_adjusted": p_adj, "suppressed": sup}
            for g, irr, xrr, gai, p, p_adj, sup in [
                (africa, 0.72, 0.49, 1.47, 0.001, 0.004, False),
                (asia, 0.58, 0.60, 0.97, 0.62, 0.83, False),
                (europe, 0.63, 0.61, 1.03, 0.41, 0.66, False),
                (oceania, None, None, None, None, None, True),
            ]
        ],
    )  # fmt: skip
    representation = table(
        "representation",
        *[
            {"attribute": attr, "group": g, "n_annotators": n, "pool_share": ps,
             "judgment_share": js, "target_share": ts, "ratio": ratio, "pool_ci_low": lo,
             "pool_ci_high": hi, "suppressed": sup}
            for g, n, ps, js, ts, ratio, lo, hi, sup in [
                (africa, 12, 0.039, 0.10, 0.18, 0.22, 0.022, 0.067, False),
                (asia, 180, 0.58, 0.58, 0.59, 0.98, 0.525, 0.634, False),
                (europe, 115, 0.371, 0.31, 0.09, 4.12, 0.318, 0.426, False),
                (oceania, None, None, None, None, None, None, None, True),
            ]
        ],
    )  # fmt: skip
    languages = table(
        "languages",
        *[
            {"language": lang, "n_items": n, "item_share": share, "n_annotators_speaking": sp,
             "mismatch_rate": mm}
            for lang, n, share, sp, mm in [
                (u("en"), 1400, 0.70, 290, 0.02),
                (u("sw"), 150, 0.075, 0, 1.0),
                (u("hi"), 450, 0.225, 40, 0.31),
            ]
        ],
    )  # fmt: skip
    label_shares = table(
        "label_shares",
        *[
            {"field": fld, "attribute": attr, "group": g, "value": v, "n_judgments": n,
             "share": s, "n_annotators": na, "suppressed": False}
            for g, na, rows in [
                (africa, 12, [(toxic, 500, 0.42), (not_toxic, 600, 0.50), (unsure, 100, 0.08)]),
                (asia, 180, [(toxic, 2100, 0.30), (not_toxic, 4500, 0.64), (unsure, 400, 0.06)]),
            ]
            for v, n, s in rows
        ],
        {"field": fld, "attribute": attr, "group": oceania, "value": toxic, "n_judgments": None,
         "share": None, "n_annotators": None, "suppressed": True},
    )  # fmt: skip
    metrics = {
        "agreement": agreement,
        "group_association": group_association,
        "representation": representation,
        "languages": languages,
        "label_shares": label_shares,
        "agreement_difference": table(
            "agreement_difference",
            {"field": fld, "attribute": attr, "group": africa, "alpha_group": 0.72,
             "alpha_rest": 0.60, "difference": 0.12, "p_value": 0.002, "p_adjusted": 0.02,
             "n_permutations": 2000, "family_size": 30, "n_annotators": 12,
             "suppressed": False},
        ),
        "label_shift": table(
            "label_shift",
            {"field": fld, "attribute": attr, "test": "chi-square, raters relabelled",
             "statistic": 41.2, "dof": 6, "p_value": 0.0004, "p_adjusted": 0.0012,
             "cramers_v": 0.11, "n_judgments": 12000},
        ),
        "contested_items": table(
            "contested_items",
            {"field": fld, "attribute": attr, "group": africa, "n_items_compared": 37,
             "share_contested": 0.031, "n_annotators": 12, "suppressed": False},
        ),
        "contested_examples": table(
            "contested_examples",
            {"field": fld, "attribute": attr, "group": africa, "item_id": u("item-17"),
             "text": u("That joke about the bride price is ") + "x" * 500,
             "pooled_majority": not_toxic, "group_majority": toxic},
            {"field": fld, "attribute": attr, "group": africa, "item_id": u("item-42"),
             "text": u("Calling someone a 'coconut' online"), "pooled_majority": not_toxic,
             "group_majority": toxic},
        ),
        "annotator_agreement": table(
            "annotator_agreement",
            *[
                {"annotator_id": a, "n_items": n, "agreement": agreement_share}
                for a, n, agreement_share in zip(
                    PSEUDONYMS, [40, 38, 51, 12, 9], [0.81, 0.77, 0.90, 0.55, 0.61], strict=True
                )
            ],
        ),
        "qc_by_group": table(
            "qc_by_group",
            {"attribute": attr, "group": africa, "flagged_share": 0.12, "n_annotators": 12,
             "suppressed": False},
        ),
        "representation_by_field": table(
            "representation_by_field",
            {"field": fld, "attribute": attr, "group": africa, "judgment_share": 0.10,
             "target_share": 0.18, "ratio": 0.55, "n_annotators": 12, "suppressed": False},
        ),
        "representation_distance": table(
            "representation_distance", {"attribute": attr, "field": fld, "tvd": 0.28}
        ),
        "concentration": table(
            "concentration",
            {"field": fld, "n_annotators": 310, "top10_share": 0.34, "gini": 0.52},
        ),
        "perspective_diversity": table(
            "perspective_diversity",
            {"field": fld, "attribute": attr, "mean_effective_groups": 2.1},
        ),
        "metadata_completeness": table(
            "metadata_completeness",
            {"attribute": attr, "missing_share": 0.03, "n_annotators": 310},
            {"attribute": attr2, "missing_share": 0.12, "n_annotators": 310},
        ),
        "item_regions": table(
            "item_regions",
            {"region": u("East Africa"), "n_items": 200, "item_share": 0.10},
        ),
        "escape_usage": table(
            "escape_usage",
            {"field": fld, "attribute": attr, "group": africa, "n_judgments": 1200,
             "escape_rate": 0.08, "rest_rate": 0.06, "ratio": 1.33, "p_value": 0.04,
             "p_adjusted": 0.12, "suppressed": False},
        ),
        "guideline_stats": table(
            "guideline_stats",
            {"guideline": guide, "n_lines": 120, "flesch_reading_ease": 42.5, "fk_grade": 12.1},
        ),
        "guideline_flags": table(
            "guideline_flags",
            {"guideline": guide, "line": 14, "term": u("holiday"), "category": "calendar",
             "excerpt": u("Label greetings like 'Merry Christmas' as neutral."),
             "alternative": u("name the specific holiday")},
        ),
        "position_bias": table(
            "position_bias",
            {"field": u("preference"), "rate": 0.58, "ci_low": 0.55, "ci_high": 0.61,
             "n_judgments": 900},
        ),
        "preference_divergence": table(
            "preference_divergence",
            {"field": u("preference"), "attribute": attr, "group": africa, "flip_share": 0.21,
             "n_annotators": 12, "suppressed": False},
        ),
        "tie_skip_usage": table(
            "tie_skip_usage",
            {"field": u("preference"), "attribute": attr, "group": asia, "tie_rate": 0.12,
             "skip_rate": 0.03, "n_annotators": 180, "suppressed": False},
        ),
        "timing_by_group": table(
            "timing_by_group",
            {"attribute": attr, "group": africa, "median_s": 14.2, "q1_s": 9.0, "q3_s": 21.5,
             "n_annotators": 12, "suppressed": False},
            {"attribute": attr, "group": oceania, "median_s": None, "q1_s": None, "q3_s": None,
             "n_annotators": None, "suppressed": True},
        ),
        "fast_judgments": table(
            "fast_judgments",
            {"field": fld, "fast_share": 0.04, "n_fast": 480, "n_judgments": 12000},
        ),
        "session_fatigue": table(
            "session_fatigue",
            # agreement 0.03 lower after the first hour of a session
            {"field": fld, "position_bucket": "0-60 min", "bucket_start_min": 0,
             "n_judgments": 8000, "agreement": 0.76},
            {"field": fld, "position_bucket": "60+ min", "bucket_start_min": 60,
             "n_judgments": 4000, "agreement": 0.73},
        ),
        "session_lengths": table(
            "session_lengths",
            {"attribute": attr, "group": asia, "median_session_minutes": 45.0,
             "n_annotators": 180, "suppressed": False},
        ),
        "pay_by_group": table(
            "pay_by_group",
            {"attribute": attr, "group": asia, "median_hourly_pay": 6.5, "currency": u("USD"),
             "n_annotators": 180, "suppressed": False},
        ),
    }  # fmt: skip
    findings = [
        Finding("LA401", "representativeness", "high", "Group under-represented in the rater pool",
                u(f"region={africa} is 3.9% of raters (n=12) but 18% of the target population "
                  "(ratio 0.22 < 0.8, four-fifths rule)."),
                {"attribute": attr, "group": africa},
                {"pool_share": 0.039, "target_share": 0.18, "ratio": 0.22, "measure": "ratio",
                 "threshold": 0.8},
                u("Recruit raters from this group.")),
        Finding("LA201", "disagreement", "medium", "Group-aligned disagreement",
                u(f"{africa} raters agree more among themselves than with others (GAI 1.47, "
                  "p adj 0.004 < 0.05, n=12)."),
                {"field": fld, "attribute": attr, "group": africa},
                {"gai": 1.47, "p_adjusted": 0.004}),
        Finding("LA301", "coverage", "high", "Items in a language no rater speaks",
                u("150 items (7.5%) are in sw and no rater lists it."),
                {"language": u("sw")}, {"n_items": 150, "mismatch_rate": 1.0}),
        Finding("LA501", "guidelines", "low", "Culture-specific term in guidelines",
                u("Line 14 uses 'holiday' assuming one calendar."),
                {"guideline": guide, "line": 14}, {"term": u("holiday")}),
        Finding("LA601", "process", "info", "Fast judgments",
                u("4% of judgments took under 2 s (n=12,000)."), {"field": fld}, {"fast_rate": 0.04}),
        Finding("LA602", "process", "medium", "Annotator outliers (internal)",
                u("2 raters agree with the majority less than 60% of the time."),
                {"field": fld}, {"n": 2}),
        Finding("LA002", "data", "low", "Skipped judgments", u("3 rows had no label."),
                {"value": unsure}, {"n": 3}),
    ]  # fmt: skip
    for i, f in enumerate(findings):  # as the pipeline leaves them: each with its fingerprint
        f.fingerprint = f"{i:02d}" + "f" * 30
    rules = {
        f.rule: {
            "title": f.title,
            "category": f.category,
            "severity": f.severity,
            "summary": u(f"Summary of {f.rule}."),
            "rationale": "Why it matters.",
            "remediation": "Fix it.",
            "questions": [u(f"Question one for {f.rule}?"), f"Question two for {f.rule}?"],
            "references": [],
            "audience": "internal" if f.rule == "LA602" else "all",
            "parameters": {"min_ratio": {"default": 0.8, "source": "four-fifths rule"}}
            if f.rule == "LA401"
            else {},
        }
        for f in findings
    }
    # rules that ran and found nothing, had nothing to judge, or were left out
    for code, title in (("LA101", "Low overall agreement"), ("LA404", "Judgment share low"),
                        ("LA603", "Tie and skip use differs")):  # fmt: skip
        rules[code] = {**rules["LA002"], "title": title, "audience": "all",
                       "questions": [], "parameters": {}}  # fmt: skip
    read = {"LA401": ["representation"], "LA301": ["languages"], "LA201": ["group_association"]}
    rule_runs = [
        {"code": f.rule, "status": "failed", "subjects": {"groups": 4}, "findings": 1,
         "reason": None, "tables": read.get(f.rule, [])}
        for f in findings
    ] + [
        {"code": "LA101", "status": "passed", "subjects": {"fields": 1}, "findings": 0,
         "reason": None, "tables": ["agreement"]},
        {"code": "LA404", "status": "not applicable", "subjects": {}, "findings": 0,
         "reason": "no target population was given", "tables": ["representation"]},
        {"code": "LA603", "status": "skipped", "subjects": {}, "findings": 0,
         "reason": "ignored (LA603 in ignore)", "tables": []},
    ]  # fmt: skip
    context = {
        "methods": [
            {
                "title": "Krippendorff's alpha",
                "text": "Agreement corrected for chance.",
                "reference": "Krippendorff (2011)",
                "limits": "Sensitive to prevalence.",
            },
            {
                "title": "GRASP group association",
                "text": "IRR / XRR with permutation p-values.",
                "reference": "Prabhakaran et al. (NAACL 2024)",
                "limits": "Needs overlap between groups.",
            },
        ],
        "rules": rules,
        "schema": {
            fld: {
                "level": "nominal",
                "kind": "single",
                "values": [toxic, not_toxic, unsure],
                "escape_values": [unsure],
                "inferred": False,
            },
        },
        "schema_inferred": False,
        "inputs": [
            {"path": u("judgments.parquet"), "sha256": "ab" * 32, "rows": 12003},
            {"path": u("annotators.csv"), "sha256": "cd" * 32, "rows": 310},
        ],
        "guidelines": [{"name": guide, "n_lines": 120}],
        "bundle_name": u("toxicity-2026q3"),
        "skipped": {"null_labels": 3},
        "target": {"name": u("Deployment users, 2026 Q3"), "source": u("product analytics")},
        "min_group_size": K,
        "rule_runs": rule_runs,
        # raters in the pool of each shown group (the pipeline's privacy-safe sizes)
        "group_sizes": {
            attr: {africa: 12, asia: 180, europe: 115},
            attr2: {female: 150, male: 160},
        },  # fmt: skip
    }
    if audience == "vendor":
        # what the pipeline hands a vendor renderer: the rulebook runs no internal-only
        # rule, and the privacy step drops per-annotator tables
        findings = [f for f in findings if rules[f.rule]["audience"] != "internal"]
        for run in rule_runs:
            if rules[run["code"]]["audience"] == "internal":
                run.update(status="skipped", findings=0, subjects={},
                           reason="internal-only rule, not run for the vendor edition")  # fmt: skip
        metrics = {n: t for n, t in metrics.items() if "annotator_id" not in t.columns}
    sev = {"high": 0, "medium": 0, "low": 0, "info": 0}
    for f in findings:
        sev[f.severity] += 1
    return AuditReport(
        summary={"judgments": 12003, "items": 2000, "annotators": 310, "fields": [fld],
                 "findings": sev},
        metrics=metrics,
        findings=sorted(findings, key=Finding.sort_key),
        run={"created_at": "2026-11-27T04:00:00+00:00", "seed": 0,
             "inputs": context["inputs"], "config": {"max_examples": 20}},
        tool={"name": "labelaudit", "version": "0.3.0"},
        audience=audience,
        context=context,
    )  # fmt: skip
