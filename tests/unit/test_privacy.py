"""Privacy is enforced once, from the pool's group sizes, in every table."""

from __future__ import annotations

import pandas as pd

from labelaudit.privacy import enforce, pseudonymise, suppress_small_groups
from labelaudit.stats.disclosure import hidden_groups


def test_a_group_is_hidden_by_its_pool_size_not_the_rows_own_count():
    # within-group agreement of a 2-rater group with no pairable judgments: the row's own
    # n_annotators is 0, but the group still has 2 members and must not show up as "0"
    table = pd.DataFrame(
        [
            {
                "field": "f",
                "scope": "within",
                "attribute": "gender",
                "group": "male",
                "alpha": None,
                "n_annotators": 0,
                "n_items": 0,
                "suppressed": False,
            },
            {
                "field": "f",
                "scope": "within",
                "attribute": "gender",
                "group": "female",
                "alpha": 0.5,
                "n_annotators": 9,
                "n_items": 40,
                "suppressed": False,
            },
        ]
    )
    hidden = {"gender": hidden_groups({"male": 2, "female": 9}, 5, complementary=False)}
    out = suppress_small_groups(table, 5, hidden).set_index("group")
    assert out.loc["male", "suppressed"] and pd.isna(out.loc["male", "n_annotators"])
    assert str(out["n_annotators"].dtype) == "Int64"  # still a number column, with a gap
    assert not out.loc["female", "suppressed"] and out.loc["female", "alpha"] == 0.5


def test_complementary_suppression_only_for_vendors():
    sizes = {"Europe": 30, "Asia": 8, "Oceania": 2, "Africa": 0}
    assert hidden_groups(sizes, 5, complementary=False) == {"Oceania": "small"}
    assert hidden_groups(sizes, 5, complementary=True) == {
        "Oceania": "small",
        "Asia": "complementary",
    }
    # two small groups already hide each other
    assert hidden_groups({"A": 30, "B": 2, "C": 3}, 5, complementary=True) == {
        "B": "small",
        "C": "small",
    }


def test_examples_of_hidden_groups_are_dropped_and_ids_pseudonymised():
    tables = {
        "contested_examples": pd.DataFrame(
            [
                {
                    "attribute": "region",
                    "group": "Oceania",
                    "item_id": "i1",
                    "text": "x",
                    "n_annotators": 2,
                },
                {
                    "attribute": "region",
                    "group": "Europe",
                    "item_id": "i2",
                    "text": "y",
                    "n_annotators": 30,
                },
            ]
        ),
        "annotator_agreement": pd.DataFrame(
            {"annotator_id": ["ann-1", "ann-2"], "agreement": [0.5, 0.9]}
        ),
    }
    out = enforce(
        tables, k=5, salt=b"s", audience="internal", hidden={"region": {"Oceania": "small"}}
    )
    assert list(out["contested_examples"]["group"]) == ["Europe"]
    ids = list(out["annotator_agreement"]["annotator_id"])
    assert all(i.startswith("rater-") for i in ids) and "ann-1" not in ids
    assert ids == list(pseudonymise(pd.Series(["ann-1", "ann-2"]), b"s"))
    vendor = enforce(tables, k=5, salt=b"s", audience="vendor", hidden={})
    assert "annotator_agreement" not in vendor
