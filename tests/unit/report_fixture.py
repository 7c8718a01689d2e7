"""A fake but realistic AuditReport carrying every metric table the report knows.

``make_result(payload=...)`` puts the same string into every user-controlled field
(group, attribute, field and value names, item text, guideline excerpt, file names,
finding messages, target name) for the injection tests. The annotators' raw ids
(``RAW_IDS``) never enter the result: only their pseudonyms (``PSEUDONYMS``) do, as the
privacy step leaves them.
"""

from __future__ import annotations

import pandas as pd

from labelaudit.checks.finding import Finding
from labelaudit.report import AuditReport

RAW_IDS = ["worker_8812", "worker_1043", "worker_5521", "mturk_A1B2C3D4", "prolific_5f9e"]
PSEUDONYMS = ["ann-3f9a21", "ann-77c0de", "ann-a1b2c3", "ann-0d4e5f", "ann-9b8a7c"]
K = 5


def make_result(audience: str = "internal", payload: str | None = None) -> AuditReport:
    """The fixture result; ``payload`` (if given) replaces every user-supplied name."""

    def u(s: str) -> str:
        return s if payload is None else f"{s}{payload}"

    fld, attr, attr2 = u("toxicity"), u("region"), u("gender")
    africa, asia, europe, oceania = u("Africa"), u("Asia"), u("Europe"), u("Oceania")
    female, male = u("female"), u("male")
    toxic, not_toxic, unsure = u("toxic"), u("not_toxic"), u("unsure")
    guide = u("guidelines.md")

    agreement = pd.DataFrame(
        [
            [fld, "overall", None, None, "nominal", 0.61, 0.59, 0.63, 2000, 12000, 310, False],
            [fld, "within", attr, africa, "nominal", 0.72, 0.65, 0.78, 400, 1200, 12, False],
            [fld, "within", attr, asia, "nominal", 0.58, 0.55, 0.61, 1900, 7000, 180, False],
            [fld, "within", attr, europe, "nominal", 0.63, 0.60, 0.66, 1500, 3500, 115, False],
            [fld, "within", attr, oceania, None, None, None, None, None, None, None, True],
            [fld, "cross", attr, africa, "nominal", 0.49, 0.44, 0.55, 400, 1200, 12, False],
            [fld, "cross", attr, asia, "nominal", 0.60, 0.57, 0.62, 1900, 7000, 180, False],
            [fld, "within", attr2, female, "nominal", 0.60, 0.57, 0.63, 1800, 6100, 150, False],
            [fld, "within", attr2, male, "nominal", 0.62, 0.59, 0.65, 1800, 5900, 160, False],
        ],
        columns=[
            "field", "scope", "attribute", "group", "level", "alpha", "ci_low", "ci_high",
            "n_items", "n_judgments", "n_annotators", "suppressed",
        ],
    )  # fmt: skip
    group_association = pd.DataFrame(
        [
            [fld, attr, africa, 0.72, 0.49, 1.47, 0.001, 0.004, False],
            [fld, attr, asia, 0.58, 0.60, 0.97, 0.62, 0.83, False],
            [fld, attr, europe, 0.63, 0.61, 1.03, 0.41, 0.66, False],
            [fld, attr, oceania, None, None, None, None, None, True],
        ],
        columns=[
            "field",
            "attribute",
            "group",
            "irr",
            "xrr",
            "gai",
            "p_value",
            "p_adjusted",
            "suppressed",
        ],
    )
    representation = pd.DataFrame(
        [
            [attr, africa, 12, 0.039, 0.10, 0.18, 0.22, 0.022, 0.067, False],
            [attr, asia, 180, 0.58, 0.58, 0.59, 0.98, 0.525, 0.634, False],
            [attr, europe, 115, 0.371, 0.31, 0.09, 4.12, 0.318, 0.426, False],
            [attr, oceania, None, None, None, None, None, None, None, True],
        ],
        columns=[
            "attribute", "group", "n_annotators", "pool_share", "judgment_share", "target_share",
            "ratio", "pool_ci_low", "pool_ci_high", "suppressed",
        ],
    )  # fmt: skip
    languages = pd.DataFrame(
        [
            [u("en"), 1400, 0.70, 290, 0.02],
            [u("sw"), 150, 0.075, 0, 1.0],
            [u("hi"), 450, 0.225, 40, 0.31],
        ],
        columns=["language", "n_items", "item_share", "n_annotators_speaking", "mismatch_rate"],
    )
    label_shares = pd.DataFrame(
        [
            [fld, attr, g, v, n, s, na, False]
            for g, na, rows in [
                (africa, 12, [(toxic, 500, 0.42), (not_toxic, 600, 0.50), (unsure, 100, 0.08)]),
                (asia, 180, [(toxic, 2100, 0.30), (not_toxic, 4500, 0.64), (unsure, 400, 0.06)]),
            ]
            for v, n, s in rows
        ]
        + [[fld, attr, oceania, toxic, None, None, None, True]],
        columns=[
            "field",
            "attribute",
            "group",
            "value",
            "n_judgments",
            "share",
            "n_annotators",
            "suppressed",
        ],
    )
    metrics = {
        "agreement": agreement,
        "group_association": group_association,
        "representation": representation,
        "languages": languages,
        "label_shares": label_shares,
        "agreement_difference": pd.DataFrame(
            [[fld, attr, africa, 0.72, 0.60, 0.12, 0.05, 0.19, 12, False]],
            columns=[
                "field",
                "attribute",
                "group",
                "alpha_group",
                "alpha_rest",
                "difference",
                "ci_low",
                "ci_high",
                "n_annotators",
                "suppressed",
            ],
        ),
        "label_shift": pd.DataFrame(
            [[fld, attr, "chi2 (cluster permutation)", 41.2, 6, 0.0004, 0.0012, 0.11, 12000]],
            columns=[
                "field",
                "attribute",
                "test",
                "statistic",
                "dof",
                "p_value",
                "p_adjusted",
                "cramers_v",
                "n_judgments",
            ],
        ),
        "contested_items": pd.DataFrame(
            [[fld, attr, africa, 37, 0.031, 12, False]],
            columns=[
                "field",
                "attribute",
                "group",
                "n_items",
                "flip_rate",
                "n_annotators",
                "suppressed",
            ],
        ),
        "contested_examples": pd.DataFrame(
            [
                [
                    fld,
                    attr,
                    africa,
                    u("item-17"),
                    u("That joke about the bride price is ") + "x" * 500,
                    not_toxic,
                    toxic,
                ],
                [
                    fld,
                    attr,
                    africa,
                    u("item-42"),
                    u("Calling someone a 'coconut' online"),
                    not_toxic,
                    toxic,
                ],
            ],
            columns=[
                "field",
                "attribute",
                "group",
                "item_id",
                "text",
                "pooled_majority",
                "group_majority",
            ],
        ),
        "annotator_agreement": pd.DataFrame(
            {
                "annotator_id": PSEUDONYMS,
                "n_judgments": [40, 38, 51, 12, 9],
                "agreement_with_majority": [0.81, 0.77, 0.90, 0.55, 0.61],
            }
        ),
        "qc_by_group": pd.DataFrame(
            [[attr, africa, 0.12, 12, False]],
            columns=["attribute", "group", "qc_fail_rate", "n_annotators", "suppressed"],
        ),
        "representation_by_field": pd.DataFrame(
            [[fld, attr, africa, 0.10, 0.18, 0.55, 12, False]],
            columns=[
                "field",
                "attribute",
                "group",
                "judgment_share",
                "target_share",
                "ratio",
                "n_annotators",
                "suppressed",
            ],
        ),
        "representation_distance": pd.DataFrame(
            [[attr, fld, 0.28]], columns=["attribute", "field", "tvd"]
        ),
        "concentration": pd.DataFrame(
            [[fld, 310, 0.34, 0.52]], columns=["field", "n_annotators", "top10_share", "gini"]
        ),
        "perspective_diversity": pd.DataFrame(
            [[fld, attr, 2.1, 3, 4.0]],
            columns=[
                "field",
                "attribute",
                "effective_groups_per_item",
                "median_groups_per_item",
                "n_groups",
            ],
        ),
        "metadata_completeness": pd.DataFrame(
            [[attr, 0.97, 310], [attr2, 0.88, 310]],
            columns=["attribute", "completeness", "n_annotators"],
        ),
        "item_regions": pd.DataFrame(
            [[u("East Africa"), 200, 0.10, 14]],
            columns=["region", "n_items", "item_share", "n_annotators_from_region"],
        ),
        "escape_usage": pd.DataFrame(
            [[fld, attr, africa, 1200, 0.08, 0.06, 1.33, 0.04, 0.12, False]],
            columns=[
                "field",
                "attribute",
                "group",
                "n_judgments",
                "escape_rate",
                "rest_rate",
                "ratio",
                "p_value",
                "p_adjusted",
                "suppressed",
            ],
        ),
        "guideline_stats": pd.DataFrame(
            [[guide, 120, 42.5, 12.1]],
            columns=["guideline", "n_lines", "reading_ease", "grade_level"],
        ),
        "guideline_flags": pd.DataFrame(
            [
                [
                    guide,
                    14,
                    u("holiday"),
                    "calendar",
                    u("Label greetings like 'Merry Christmas' as neutral."),
                    u("name the specific holiday"),
                ]
            ],
            columns=["guideline", "line", "term", "category", "excerpt", "alternative"],
        ),
        "position_bias": pd.DataFrame(
            [[u("preference"), 0.58, 0.55, 0.61, 900]],
            columns=["field", "share_a", "ci_low", "ci_high", "n_judgments"],
        ),
        "preference_divergence": pd.DataFrame(
            [[u("preference"), attr, africa, 0.21, 12, False]],
            columns=["field", "attribute", "group", "divergence", "n_annotators", "suppressed"],
        ),
        "tie_skip_usage": pd.DataFrame(
            [[u("preference"), attr, asia, 0.12, 0.03, 180, False]],
            columns=[
                "field",
                "attribute",
                "group",
                "tie_rate",
                "skip_rate",
                "n_annotators",
                "suppressed",
            ],
        ),
        "timing_by_group": pd.DataFrame(
            [
                [attr, africa, 14.2, 9.0, 21.5, 12, False],
                [attr, oceania, None, None, None, None, True],
            ],
            columns=[
                "attribute",
                "group",
                "median_s",
                "q1_s",
                "q3_s",
                "n_annotators",
                "suppressed",
            ],
        ),
        "fast_judgments": pd.DataFrame(
            [[fld, 0.04, 480, 12000]], columns=["field", "fast_rate", "n_fast", "n_judgments"]
        ),
        "session_fatigue": pd.DataFrame(
            [[fld, 0.03, 0.21, 310]],
            columns=["field", "agreement_drop", "p_value", "n_annotators"],
        ),
        "session_lengths": pd.DataFrame(
            [[attr, asia, 45.0, 180, False]],
            columns=["attribute", "group", "median_minutes", "n_annotators", "suppressed"],
        ),
        "pay_by_group": pd.DataFrame(
            [[attr, asia, 6.5, u("USD"), 180, False]],
            columns=[
                "attribute",
                "group",
                "median_hourly_pay",
                "currency",
                "n_annotators",
                "suppressed",
            ],
        ),
    }
    findings = [
        Finding("LA401", "representativeness", "high", "Group under-represented in the rater pool",
                u(f"region={africa} is 3.9% of raters (n=12) but 18% of the target population "
                  "(ratio 0.22 < 0.8, four-fifths rule)."),
                {"attribute": attr, "group": africa},
                {"pool_share": 0.039, "target_share": 0.18, "ratio": 0.22},
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
    }
    if audience == "vendor":
        # what the pipeline hands a vendor renderer: the rulebook runs no internal-only
        # rule, and the privacy step drops per-annotator tables
        findings = [f for f in findings if rules[f.rule]["audience"] != "internal"]
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
