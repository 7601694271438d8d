"""One YAML file plus `CHIPWATCH_*` environment overrides, validated at load.

Nothing is read at import time: call `load_settings(path)` where configuration is needed.
Errors name the key and the fix in one line (ConfigError), so the CLI can exit 2 with it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SOURCE_KINDS = ("feed", "page", "sitemap", "directory")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class ConfigError(ValueError):
    """A configuration problem, worded for the user: which key, what is wrong, how to fix it."""


def parse_duration(value: str | int | float) -> timedelta:
    """'15m', '1h', '30s', '1d' or a number of seconds."""
    if isinstance(value, int | float):
        return timedelta(seconds=float(value))
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a duration; write e.g. 30s, 15m, 1h or 1d")
    return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceConfig(_Strict):
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["feed", "page", "sitemap", "directory"]
    url: str | None = None
    path: str | None = None
    every: timedelta = timedelta(minutes=15)
    enabled: bool = True
    max_bytes: int | None = Field(default=None, gt=0)

    @field_validator("every", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> timedelta:
        return value if isinstance(value, timedelta) else parse_duration(value)

    @model_validator(mode="after")
    def _location(self) -> SourceConfig:
        if self.kind == "directory":
            if not self.path:
                raise ValueError("a directory source needs `path: ./folder`")
        elif not self.url or not re.match(r"^https?://", self.url):
            raise ValueError(f"a {self.kind} source needs `url: https://...`")
        return self


class AlertRule(_Strict):
    name: str = Field(min_length=1, max_length=200)
    min_score: float = Field(default=0.6, ge=0.0, le=1.0)
    entities: list[str] = Field(default_factory=list)
    notify: list[str] = Field(min_length=1)

    @field_validator("notify")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        for url in value:
            if "://" not in url:
                raise ValueError("each notify entry is an apprise URL such as json://host/path or mailto://...")
        return value


class HttpSettings(_Strict):
    allow_private_networks: bool = False
    timeout: float = Field(default=15.0, gt=0)
    connect_timeout: float = Field(default=5.0, gt=0)
    max_bytes: int = Field(default=5_000_000, gt=0)
    user_agent: str = "chipwatch/0.1 (+https://github.com/chipwatch; news monitor)"


class DashboardSettings(_Strict):
    # Required to serve on any address but loopback; CHIPWATCH_TOKEN overrides it.
    token: str | None = Field(default=None, min_length=16)
    page_size: int = Field(default=50, ge=1, le=500)


class Settings(_Strict):
    database: str = "sqlite:///chipwatch.db"
    sources: list[SourceConfig] = Field(default_factory=list)
    alerts: list[AlertRule] = Field(default_factory=list)
    http: HttpSettings = Field(default_factory=HttpSettings)
    dashboard: DashboardSettings = Field(default_factory=DashboardSettings)

    @model_validator(mode="after")
    def _unique_names(self) -> Settings:
        for label, items in (("sources", self.sources), ("alerts", self.alerts)):
            seen: set[str] = set()
            for item in items:
                if item.name in seen:
                    raise ValueError(f"{label}: name {item.name!r} is used twice; names must be unique")
                seen.add(item.name)
        return self


def load_settings(path: str | Path | None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read, override from the environment, resolve relative paths against the file, validate."""
    env = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    base = Path.cwd()
    if path is not None:
        file = Path(path)
        if not file.is_file():
            raise ConfigError(f"config file {file} not found; pass --config with the path to your YAML file")
        try:
            loaded = yaml.safe_load(file.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark else ""
            raise ConfigError(f"config file {file} is not valid YAML{where}; check indentation and quoting") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(f"config file {file} is not UTF-8; save it as UTF-8") from exc
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"config file {file} must hold a mapping (database:, sources:, alerts:, http:)")
        raw = loaded
        base = file.resolve().parent
    raw = _apply_env(raw, env)
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
    return _resolve_paths(settings, base)


def settings_from_dict(data: dict[str, Any], base: Path | None = None) -> Settings:
    """Validate an in-memory config (the demo and tests build theirs this way)."""
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
    return _resolve_paths(settings, base or Path.cwd())


def _apply_env(raw: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """CHIPWATCH_DATABASE=... sets `database`; CHIPWATCH_HTTP__TIMEOUT=5 sets `http.timeout`."""
    out = dict(raw)
    for key, value in env.items():
        if not key.startswith("CHIPWATCH_") or key in _NOT_CONFIG:
            continue
        path = key[len("CHIPWATCH_") :].lower().split("__")
        target = out
        for part in path[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise ConfigError(f"environment variable {key} overrides {part!r}, which is not a mapping")
        target[path[-1]] = yaml.safe_load(value) if value.strip() else value
    return out


# Environment variables that configure the process, not the YAML file.
_NOT_CONFIG = frozenset({"CHIPWATCH_CONFIG", "CHIPWATCH_HOME", "CHIPWATCH_TOKEN", "CHIPWATCH_TEST_PG"})


def _describe(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        return f"config key {loc!r} is not known; remove it or check its spelling against the README"
    if err["type"] == "missing":
        return f"config key {loc!r} is required; add it"
    return f"config key {loc!r}: {msg}"


def _resolve_paths(settings: Settings, base: Path) -> Settings:
    db = settings.database
    if db.startswith("sqlite:///") and not db.startswith("sqlite:////") and db != "sqlite:///:memory:":
        db = "sqlite:///" + str((base / db[len("sqlite:///") :]).resolve())
    sources = [s.model_copy(update={"path": str((base / s.path).resolve())}) if s.path else s for s in settings.sources]
    return settings.model_copy(update={"database": db, "sources": sources})
