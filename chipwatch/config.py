"""One YAML file plus `CHIPWATCH_*` environment overrides, validated at load.

Nothing is read at import time: call `load_settings(path)` where configuration is needed.
Errors name the key and the fix in one line (ConfigError), so the CLI can exit 2 with it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

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


def check_apprise_url(url: str, where: str) -> None:
    """Raise ValueError (masked URL, the fix) when apprise cannot build a notifier from `url`: an unknown
    scheme or a service URL missing its required parts would otherwise only fail at the first alert."""
    import apprise

    from chipwatch import log_guard
    from chipwatch.redact import guard_logs, mask_target

    # apprise logs the URL it loads (or rejects) with header and payload values in clear: quiet while it reads
    # this one, and from then on every apprise or HTTP log line has this URL's secrets masked.
    with log_guard.silenced():
        ok = apprise.Apprise.instantiate(url) is not None
    if not ok:
        raise ValueError(
            f"{where} {mask_target(url)!r} is not a URL apprise can send to (unknown scheme, or a part the service "
            "needs is missing); see the apprise wiki for that service's URL form, e.g. json://host/path"
        )
    guard_logs(url)


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
    robots: bool = True  # page and sitemap sources obey the site's robots.txt; false only with the owner's consent
    links: str | None = None  # page sources: a regex article URLs must match (replaces the link heuristics)
    # Feed sources: subscribe to the WebSub hub the feed names (`auto`), or never (`off`). Needs `public_url`.
    push: Literal["auto", "off"] = "auto"
    # Source health: an alert after this many failed polls in a row, and when no new article came for this long.
    alert_after_failures: int = Field(default=3, ge=1)
    expect_new_within: timedelta | None = None

    @field_validator("every", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> timedelta:
        return value if isinstance(value, timedelta) else parse_duration(value)

    @field_validator("expect_new_within", mode="before")
    @classmethod
    def _expect(cls, value: Any) -> timedelta | None:
        return _positive(value, allow_none=True)

    @field_validator("links")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"`links:` is not a valid regular expression ({exc})") from None
        return value

    @model_validator(mode="after")
    def _location(self) -> SourceConfig:
        if self.kind == "directory":
            if not self.path:
                raise ValueError("a directory source needs `path: ./folder`")
        elif not self.url or not re.match(r"^https?://", self.url):
            raise ValueError(f"a {self.kind} source needs `url: https://...`")
        return self


_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _check_clock(value: str) -> str:
    if not _CLOCK.match(value):
        raise ValueError(f"{value!r} is not a time of day; write HH:MM, e.g. 08:00")
    return value


def _check_zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not a time zone; use an IANA name such as UTC or Asia/Shanghai") from None
    return value


class QuantityCondition(_Strict):
    """A claim matches when one of its quantities has this unit and lies within the bounds.

    Quantities are stored unsigned (a 17% drop is 17 with a bearish stance); `signed: true` compares
    the value as negative for bearish claims, so `{unit: "%", lte: -5, signed: true}` means "fell 5% or more".
    """

    unit: str = Field(min_length=1)
    gte: float | None = None
    lte: float | None = None
    signed: bool = False

    @model_validator(mode="after")
    def _bounds(self) -> QuantityCondition:
        if self.gte is None and self.lte is None:
            raise ValueError("a quantity condition needs `gte:` or `lte:` (or both)")
        negative = any(b is not None and b < 0 for b in (self.gte, self.lte))
        if negative and not self.signed:
            raise ValueError(
                "a negative bound needs `signed: true` (values are unsigned; signed makes bearish negative)"
            )
        return self


class DigestSchedule(_Strict):
    """When a rule's digest goes out: `daily` at HH:MM, or `hourly` at the minute of HH:MM; in the rule's zone."""

    every: Literal["hourly", "daily"] = "daily"
    at: str = "08:00"

    @field_validator("at")
    @classmethod
    def _at(cls, value: str) -> str:
        return _check_clock(value)


class QuietHours(_Strict):
    """Immediate alerts created or due inside [start, end) are held until `end` (may wrap midnight)."""

    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        return _check_clock(value)


class TemplateOverride(_Strict):
    """Jinja2 source for a rule's title and body; `format` says how the body is written and escaped."""

    title: str | None = None
    body: str | None = None
    format: Literal["text", "markdown", "html"] = "text"

    @field_validator("title", "body")
    @classmethod
    def _parses(cls, value: str | None) -> str | None:
        if value is not None:
            import jinja2  # only configs with templates pay for it

            try:
                jinja2.Environment().parse(value)
            except jinja2.TemplateSyntaxError as exc:
                raise ValueError(f"is not a valid Jinja2 template (line {exc.lineno}: {exc.message})") from None
        return value


class AlertRule(_Strict):
    name: str = Field(min_length=1, max_length=200)
    min_score: float = Field(default=0.6, ge=0.0, le=1.0)
    entities: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    stance: list[Literal["bullish", "bearish", "neutral"]] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    quantities: list[QuantityCondition] = Field(default_factory=list)
    # apprise URLs, or names of entries under `alerts.targets`; repr=False keeps secrets out of any printed settings
    notify: list[str] = Field(min_length=1, repr=False)
    mode: Literal["immediate", "digest"] = "immediate"
    digest: DigestSchedule = Field(default_factory=lambda: DigestSchedule(every="hourly", at="00:00"))
    timezone: str = "UTC"
    throttle: int | None = Field(default=None, ge=1)  # at most N immediate alerts per hour; the rest go to the digest
    # new: alert only when a claim starts a cluster, adds a new value or makes a contradiction (alerts/novelty.py);
    # later claims of a cluster the rule alerted on go to the digest. any: every matching claim (as before).
    novelty: Literal["new", "any"] = "any"
    quiet_hours: QuietHours | None = None
    template: TemplateOverride | None = None
    # `sources: health` in the config: this rule sends source health alerts (a source failing, and its
    # recovery) to its targets, and no claim alerts.
    health: bool = False

    @model_validator(mode="before")
    @classmethod
    def _health_rule(cls, value: Any) -> Any:
        if isinstance(value, dict) and value.get("sources") == "health":
            return {**{k: v for k, v in value.items() if k != "sources"}, "health": True}
        return value

    @field_validator("stance", mode="before")
    @classmethod
    def _one_stance(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return _check_zone(value)


# apprise's longest default connect timeout (email: 15 s; HTTP services: 4 s), assumed when none is configured.
APPRISE_CONNECT_DEFAULT = timedelta(seconds=15)
_URL_TIMEOUT = re.compile(r"[?&](rto|cto)=([0-9.]+)(?=&|#|$)")


def _positive(value: Any, allow_none: bool = False) -> timedelta | None:
    if value is None and allow_none:
        return None
    duration = value if isinstance(value, timedelta) else parse_duration(value)
    if duration <= timedelta(0):
        raise ValueError(f"{value!r} must be longer than 0 s; write e.g. 30s")
    return duration


@dataclass(frozen=True)
class DeliveryTimeouts:
    """How long one delivery may wait, in seconds: `read` for the target's answer once the request is sent
    (apprise `rto=`), `connect` to reach it (apprise `cto=`; None keeps apprise's own default)."""

    read: float
    connect: float | None = None

    @property
    def longest(self) -> float:
        """The most one send can take: the answer's wait plus the connect (apprise's longest default if unset)."""
        connect = APPRISE_CONNECT_DEFAULT.total_seconds() if self.connect is None else self.connect
        return self.read + connect


class AlertTarget(_Strict):
    """A named target in its long form, `{url: ..., timeout: 90s}`: an apprise URL with its own timeouts."""

    url: str = Field(repr=False)
    timeout: timedelta | None = None  # the longest wait for the answer; alerts.timeout when unset
    connect_timeout: timedelta | None = None  # alerts.connect_timeout when unset

    @field_validator("timeout", "connect_timeout", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> timedelta | None:
        return _positive(value, allow_none=True)


class AlertSettings(_Strict):
    """The `alerts:` key: either a list of rules (the short form) or a mapping with named targets.
    Plain data: resolving a rule's targets is chipwatch.alerts.targets' job."""

    # name -> apprise URL (or {url:, timeout:, connect_timeout:}), defined once
    targets: dict[str, AlertTarget] = Field(default_factory=dict, repr=False)
    rules: list[AlertRule] = Field(default_factory=list)
    max_attempts: int = Field(default=8, ge=1)  # after this many failed attempts an alert is `dead`
    retry_first: timedelta = timedelta(seconds=30)
    retry_cap: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(minutes=5)  # a `sending` row older than this was abandoned by a crash
    timeout: timedelta = timedelta(seconds=30)  # the longest wait for a target's answer (apprise `rto=`)
    connect_timeout: timedelta | None = None  # apprise `cto=`; unset: apprise's own (4 s HTTP, 15 s email)
    # Where source health alerts go (target names or apprise URLs): the top-level `health_alerts` key.
    health: list[str] = Field(default_factory=list, repr=False)
    # Base URL of the dashboard as readers reach it: each alert links the article's page there. null: no link.
    dashboard_url: str | None = "http://127.0.0.1:8000"

    @field_validator("dashboard_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.lower().startswith(("http://", "https://")):
            raise ValueError(f"must start with http:// or https:// (got {value!r}), or be null for no dashboard link")
        return value

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        return {"rules": value} if isinstance(value, list) else value

    @field_validator("retry_first", "retry_cap", "lease", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> timedelta:
        return value if isinstance(value, timedelta) else parse_duration(value)

    @field_validator("timeout", "connect_timeout", mode="before")
    @classmethod
    def _timeout(cls, value: Any, info: ValidationInfo) -> timedelta | None:
        return _positive(value, allow_none=info.field_name == "connect_timeout")

    @field_validator("targets", mode="before")
    @classmethod
    def _long_or_short(cls, value: Any) -> Any:
        """`name: URL` is the short form of `name: {url: URL}`."""
        if not isinstance(value, dict):
            return value
        out = {}
        for name, entry in value.items():
            if isinstance(entry, str):
                entry = {"url": entry}
            elif not isinstance(entry, dict):
                raise ValueError(
                    f"target {name!r} must be an apprise URL or a mapping such as "
                    "{url: 'json://host/hook', timeout: 60s}"
                )
            out[name] = entry
        return out

    @field_validator("targets")
    @classmethod
    def _target_urls(cls, value: dict[str, AlertTarget]) -> dict[str, AlertTarget]:
        for name, target in value.items():
            if "://" not in target.url:
                raise ValueError(f"target {name!r} is not an apprise URL; write e.g. json://host/path or mailto://...")
            check_apprise_url(target.url, f"target {name!r}:")
        return value

    @model_validator(mode="after")
    def _resolvable(self) -> AlertSettings:
        _check_unique("alerts", [rule.name for rule in self.rules])
        for rule in self.rules:
            for entry in rule.notify:
                if "://" in entry:
                    check_apprise_url(entry, f"rule {rule.name!r} notifies")
                elif entry not in self.targets:
                    raise ValueError(
                        f"rule {rule.name!r} notifies {entry!r}, which is neither an apprise URL "
                        "nor a name under alerts.targets; define it there or write the URL"
                    )
        for entry in self.health:
            if "://" in entry:
                check_apprise_url(entry, "health_alerts lists")
            elif entry not in self.targets:
                raise ValueError(
                    f"health_alerts lists {entry!r}, which is neither an apprise URL nor a name under "
                    "alerts.targets; define it there or write the URL"
                )
        self._check_timeouts()
        return self

    def timeouts_for(self, url: str) -> DeliveryTimeouts:
        """The timeouts a delivery to `url` uses: `rto=`/`cto=` written in the URL, else the named target's
        own `timeout`/`connect_timeout`, else `alerts.timeout`/`alerts.connect_timeout`."""
        read, connect = self.timeout, self.connect_timeout
        for target in self.targets.values():
            if target.url == url:
                read, connect = target.timeout or read, target.connect_timeout or connect
                break
        in_url = {key: float(value) for key, value in _URL_TIMEOUT.findall(url) if _is_number(value)}
        return DeliveryTimeouts(
            read=in_url.get("rto", read.total_seconds()),
            connect=in_url.get("cto", _seconds(connect)),
        )

    def _check_timeouts(self) -> None:
        """Each send must end inside its lease: a row still being sent when the lease runs out is taken
        again by another worker, and the alert goes out twice."""
        by_url: dict[str, str] = {}
        for name, target in self.targets.items():
            other = by_url.setdefault(target.url, name)
            if other != name and (target.timeout, target.connect_timeout) != (
                self.targets[other].timeout,
                self.targets[other].connect_timeout,
            ):
                raise ValueError(
                    f"targets {other!r} and {name!r} have the same URL but different timeouts; keep one of them"
                )
        urls = {t.url: f"target {n!r}" for n, t in reversed(self.targets.items())}
        for rule in self.rules:
            for entry in rule.notify:
                if "://" in entry:
                    urls.setdefault(entry, f"a URL of rule {rule.name!r}")
        for entry in self.health:
            if "://" in entry:
                urls.setdefault(entry, "a URL of health_alerts")
        lease = self.lease.total_seconds()
        default = DeliveryTimeouts(self.timeout.total_seconds(), _seconds(self.connect_timeout))
        for where, t in [("alerts.timeout", default)] + [(w, self.timeouts_for(u)) for u, w in urls.items()]:
            if t.longest >= lease:
                connect = "apprise's up to 15" if t.connect is None else f"{t.connect:g}"
                raise ValueError(
                    f"{where} may wait {t.read:g} s for an answer plus {connect} s to connect, which is not "
                    f"shorter than alerts.lease ({lease:g} s): a delivery still waiting when its lease ends is "
                    "taken again and sent twice; lower the timeout (alerts.timeout, the target's `timeout:`, or "
                    "`rto=` in its URL) or raise alerts.lease"
                )


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


class HttpSettings(_Strict):
    allow_private_networks: bool = False
    timeout: float = Field(default=15.0, gt=0)
    connect_timeout: float = Field(default=5.0, gt=0)
    max_bytes: int = Field(default=5_000_000, gt=0)
    user_agent: str = "chipwatch/0.1 (+https://github.com/chipwatch; news monitor)"
    read_timeout: float = Field(default=10.0, gt=0)  # longest silence while waiting for bytes
    max_redirects: int = Field(default=5, ge=0, le=20)
    http2: bool = True
    allow_hosts: list[str] = Field(default_factory=list)  # host or host:port exempt from the private-address guard
    host_delay: float = Field(default=1.0, ge=0)  # seconds between request starts to one host (loopback exempt)
    host_concurrency: int = Field(default=2, ge=1)  # requests in flight to one host
    workers: int = Field(default=4, ge=1, le=64)  # sources polled in parallel
    max_backoff: timedelta = timedelta(days=1)  # the longest wait after repeated failures of a source
    # An article page that fails is retried (first after page_retry, then doubling, at most daily) until it
    # comes, or until page_attempts tries or page_give_up_after since the entry was listed: then the article
    # keeps the listing's text for good.
    page_attempts: int = Field(default=8, ge=1, le=100)
    page_retry: timedelta = timedelta(minutes=10)
    page_give_up_after: timedelta = timedelta(days=7)

    poll_history: timedelta = timedelta(days=30)  # how long each source's poll records (source_polls) are kept

    @field_validator("max_backoff", "page_retry", "page_give_up_after", "poll_history", mode="before")
    @classmethod
    def _backoff(cls, value: Any) -> timedelta:
        return value if isinstance(value, timedelta) else parse_duration(value)


class ProcessingSettings(_Strict):
    # Processes that extract and analyse articles; unset: one per core this process may use. 1 keeps it all
    # in the one process (no pool).
    workers: int | None = Field(default=None, ge=1, le=64)


class DashboardSettings(_Strict):
    # Required to serve on any address but loopback; CHIPWATCH_TOKEN overrides it.
    token: str | None = Field(default=None, min_length=16)
    page_size: int = Field(default=50, ge=1, le=500)


class Settings(_Strict):
    database: str = "sqlite:///chipwatch.db"
    sources: list[SourceConfig] = Field(default_factory=list)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    dashboard: DashboardSettings = Field(default_factory=DashboardSettings)
    processing: ProcessingSettings = Field(default_factory=ProcessingSettings)

    # The address WebSub hubs reach `chipwatch serve` at (e.g. https://chipwatch.example.com); unset: no push.
    public_url: str | None = None
    # How often a source with a live WebSub subscription is still polled, as the fallback (if slower than `every`).
    push_poll_every: timedelta = timedelta(hours=1)
    # Where source health alerts go: target names under alerts.targets, or apprise URLs.
    health_alerts: list[str] = Field(default_factory=list, repr=False)

    @model_validator(mode="before")
    @classmethod
    def _health_targets(cls, value: Any) -> Any:
        """`health_alerts` is checked and delivered with the alert targets: hand it to `alerts.health`."""
        if not isinstance(value, dict) or not value.get("health_alerts"):
            return value
        entries = value["health_alerts"]
        if isinstance(entries, str):
            entries = [entries]
        alerts = value.get("alerts") or {}
        alerts = {"rules": alerts} if isinstance(alerts, list) else dict(alerts) if isinstance(alerts, dict) else alerts
        if isinstance(alerts, dict):
            alerts["health"] = entries
        return {**value, "alerts": alerts, "health_alerts": entries}

    @field_validator("push_poll_every", mode="before")
    @classmethod
    def _push_every(cls, value: Any) -> timedelta | None:
        return _positive(value)

    @field_validator("public_url")
    @classmethod
    def _public(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not re.match(r"^https?://[^/?#\s]+(/[^?#\s]*)?$", value.strip()):
            raise ValueError(
                f"{value!r} is not an http(s) base URL; write the address hubs reach `chipwatch serve` at, "
                "e.g. https://chipwatch.example.com"
            )
        return value.strip().rstrip("/")

    timezone: str = "UTC"  # the readers' time zone: dashboard pages and CLI output show times in it

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return _check_zone(value)

    @model_validator(mode="after")
    def _unique_names(self) -> Settings:
        _check_unique("sources", [item.name for item in self.sources])
        return self


def _check_unique(label: str, names: list[str]) -> None:
    """Names key stored state (sources) and dedup keys (rules), so each must be used once."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{label}: name {name!r} is used twice; names must be unique")
        seen.add(name)


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
            loaded = _load_yaml(file.read_text(encoding="utf-8"))
        except _TooDeep as exc:
            raise ConfigError(
                f"config file {file} nests lists or mappings more than {_MAX_YAML_DEPTH} levels deep at line "
                f"{exc.line}; a chipwatch config needs only a few: remove the extra brackets or indentation"
            ) from None
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
        raise ConfigError(_describe_origin(exc, _env_keys(env), path)) from None
    return _resolve_paths(settings, base)


def _env_keys(env: Mapping[str, str]) -> dict[tuple[str, ...], str]:
    """Config key path -> the CHIPWATCH_* variable that set it (as _apply_env reads them)."""
    return {
        tuple(key[len("CHIPWATCH_") :].lower().split("__")): key
        for key in env
        if key.startswith("CHIPWATCH_") and key not in _NOT_CONFIG
    }


def _describe_origin(exc: ValidationError, env_keys: dict[tuple[str, ...], str], file: str | Path | None) -> str:
    """The error, and where the bad key came from: a CHIPWATCH_* variable (which wins over the file) or the file."""
    err = exc.errors()[0]
    loc = tuple(str(p) for p in err["loc"])
    variable = next((var for path, var in env_keys.items() if loc[: len(path)] == path), None)
    if variable is not None:
        if err["type"] == "extra_forbidden":
            return (
                f"environment variable {variable} sets config key {'.'.join(loc)!r}, which is not known; "
                "unset it or check its spelling against the README"
            )
        return f"{_describe(exc)} (set by environment variable {variable}, which overrides the file)"
    return _describe(exc) + (f" (in {file})" if file is not None else "")


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
        if len(path) > 1 and path[0] == "alerts" and isinstance(out.get("alerts"), list):
            out["alerts"] = {"rules": out["alerts"]}  # the short list form, so CHIPWATCH_ALERTS__MAX_ATTEMPTS works
        target = out
        for part in path[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise ConfigError(f"environment variable {key} overrides {part!r}, which is not a mapping")
        target[path[-1]] = _env_value(key, value) if value.strip() else value
    return out


def _env_value(key: str, value: str) -> Any:
    """An override is read as YAML, so `30`, `true` and `[a, b]` arrive typed; the error names the variable
    (never the value, which may be a password)."""
    try:
        return _load_yaml(value)
    except _TooDeep:
        raise ConfigError(
            f"environment variable {key} nests lists or mappings more than {_MAX_YAML_DEPTH} levels deep; "
            "give it a plain value or shallow YAML"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at column {mark.column + 1}" if mark else ""
        raise ConfigError(
            f"environment variable {key} is not valid YAML{where}; quote the value "
            "(e.g. '\"[text]\"') or write YAML flow syntax ([a, b], {k: v})"
        ) from None


# Far above what a chipwatch config uses (alerts.rules[].notify[] is the deepest, at four), far below where
# PyYAML's recursive composer runs out of Python stack (a few hundred levels).
_MAX_YAML_DEPTH = 64


class _TooDeep(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(f"nesting deeper than {_MAX_YAML_DEPTH} levels at line {line}")
        self.line = line


class _BoundedLoader(yaml.SafeLoader):
    """yaml.SafeLoader that stops at a nesting depth: PyYAML composes nodes recursively, so a document nested
    50,000 deep ended in a RecursionError traceback instead of an error that names the file."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self._depth >= _MAX_YAML_DEPTH:
            raise _TooDeep(self.peek_event().start_mark.line + 1)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _load_yaml(text: str) -> Any:
    """yaml.safe_load with the nesting limit."""
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


# Environment variables that configure the process, not the YAML file.
_NOT_CONFIG = frozenset(
    {
        "CHIPWATCH_CONFIG",
        "CHIPWATCH_HOME",
        "CHIPWATCH_TOKEN",
        "CHIPWATCH_TEST_PG",
        # Engine build switches (setup.py, analysis/_loader.py, the tests), read before any config exists.
        "CHIPWATCH_COMPILE",
        "CHIPWATCH_PURE",
        "CHIPWATCH_EXPECT_COMPILED",
    }
)


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
