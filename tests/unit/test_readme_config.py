"""The README's example labelaudit.toml is a valid config, and names every setting."""

from __future__ import annotations

import re
from pathlib import Path

from labelaudit.config import read_config
from labelaudit.settings import SETTINGS

README = Path(__file__).resolve().parents[2] / "README.md"


def _example() -> str:
    section = README.read_text(encoding="utf-8").split("## Configuration")[1]
    return re.search(r"```toml\n(.*?)```", section, re.S).group(1)


def test_the_readme_example_config_reads_without_a_problem(tmp_path: Path) -> None:
    text = _example()
    (tmp_path / "my_rules").mkdir()  # the example's paths, so only the settings are judged
    (tmp_path / "my_terms.yaml").write_text("entries: []\n", encoding="utf-8")
    path = tmp_path / "labelaudit.toml"
    path.write_text(text, encoding="utf-8")
    cfg, problems = read_config(path, base_dir=tmp_path)
    assert problems == []
    assert cfg.group_by == ["region", "gender"] and cfg.rules["LA401"]["tau"] == 0.7
    assert cfg.preference_unit == "item" and cfg.max_permutations == 20000


def test_the_readme_example_shows_every_setting_a_user_writes() -> None:
    text = _example()
    written = set(re.findall(r"^\[?(\w+)", text, re.M))
    internal = {"config_path"}  # where the config itself was found, not a key to write
    user_keys = set(SETTINGS) - internal
    # keys the example leaves out are described elsewhere in the README, by name
    readme = README.read_text(encoding="utf-8")
    for key in sorted(user_keys - written):
        assert re.search(rf"`{key}`|\b{key}\b", readme), key
