"""Every setting is checked the same way from labelaudit.toml, flags and audit(**options)."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

import labelaudit
from labelaudit.config import AuditConfig, settings_problems
from labelaudit.errors import InputError
from labelaudit.settings import SETTINGS

BASE = Path(__file__).resolve().parents[1] / "fixtures" / "bad_inputs" / "_base"


def test_every_setting_has_a_check():
    """A new AuditConfig field must say what it may hold (settings.SETTINGS)."""
    assert {f.name for f in fields(AuditConfig)} == set(SETTINGS)


def test_the_defaults_pass_their_own_checks():
    cfg, problems = settings_problems(AuditConfig())
    assert problems == [] and cfg == AuditConfig()


@pytest.mark.parametrize(
    "options,setting",
    [
        ({"seed": -1}, "seed"),
        ({"n_boot": True}, "n_boot"),
        ({"min_group_size": 2.0}, "min_group_size"),
        ({"ci_level": "0.9"}, "ci_level"),
        ({"group_by": 5}, "group_by"),
        ({"select": [1]}, "select"),
        ({"intersections": ["region", "gender"]}, "intersections"),
        ({"judgments": 3}, "judgments"),
        ({"rules_dir": ["no/such/folder"]}, "rules_dir"),
        ({"columns": {"item_id": 5}}, "columns.item_id"),
    ],
)
def test_python_options_are_held_to_the_config_rules(options, setting):
    with pytest.raises(InputError) as err:
        labelaudit.audit(BASE, **options)
    assert [p.setting for p in err.value.problems] == [setting]


def test_a_lone_text_is_a_list_of_one_and_paths_become_paths(tmp_path):
    cfg, problems = settings_problems(
        AuditConfig(group_by="country", ignore="LA005", judgments="j.csv", lexicons="l.yaml")
    )
    assert cfg.group_by == ["country"] and cfg.ignore == ["LA005"]
    assert cfg.judgments == Path("j.csv")
    assert [p.setting for p in problems] == ["lexicons"]  # l.yaml does not exist


def test_source_date_epoch_sets_created_at(monkeypatch):
    from labelaudit.reproducible import run_timestamp as created_at

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert created_at() == "1970-01-01T00:00:00+00:00"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1.5")
    with pytest.raises(InputError, match="SOURCE_DATE_EPOCH"):
        created_at()
