"""Every config example in the README parses and validates as written: a reader who copies one gets a config
that loads (a block that is not a config, e.g. a Prefect file, is marked by its first key)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from chipwatch.config import Settings, settings_from_dict

README = Path(__file__).resolve().parents[2] / "README.md"
CONFIG_KEYS = set(Settings.model_fields)  # every top-level key a config file may hold


def _yaml_blocks() -> list[tuple[int, str]]:
    text = README.read_text(encoding="utf-8")
    return [
        (text[: m.start()].count("\n") + 1, m.group(1))
        for m in re.finditer(r"^```ya?ml\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    ]


def _config_blocks() -> list[tuple[int, dict]]:
    out = []
    for line, block in _yaml_blocks():
        data = yaml.safe_load(block)
        if isinstance(data, dict) and set(data) <= CONFIG_KEYS:
            out.append((line, data))
    return out


def test_the_readme_has_config_examples() -> None:
    assert len(_config_blocks()) >= 1


@pytest.mark.parametrize(("line", "data"), _config_blocks(), ids=lambda v: f"line {v}" if isinstance(v, int) else "")
def test_each_config_example_validates_as_written(line: int, data: dict, tmp_path: Path) -> None:
    settings = settings_from_dict(data, base=tmp_path)
    assert settings.alerts.rules or settings.sources or settings.database, f"README line {line}"
