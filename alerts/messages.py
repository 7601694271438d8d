"""What an alert says, rendered from Jinja2 templates (package data, overridable per rule).

One template set per body format. Escaping follows the format, not the template author: HTML is autoescaped,
Markdown values pass through a finalize hook that backslash-escapes Markdown syntax, text is left as is.
The dedup key travels in every body so a receiver can drop the one repeat a crash can cause (see outbox).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, Literal
from urllib.parse import quote

import jinja2

from chipwatch.alerts.headline import headline
from chipwatch.alerts.rules import ClaimFacts
from chipwatch.config import AlertRule

log = logging.getLogger(__name__)

Format = Literal["text", "markdown", "html"]
FORMATS: tuple[Format, ...] = ("text", "markdown", "html")
CJK_LANGUAGES = ("zh", "ja")
CURRENCIES = ("USD", "CNY", "JPY", "EUR", "TWD", "KRW", "HKD", "GBP")
_SCALES = ((Decimal(10) ** 12, "trillion"), (Decimal(10) ** 9, "billion"), (Decimal(10) ** 6, "million"))
_MD_SPECIAL = re.compile(r"([\\`*_\[\]()<>#|~!{}])")
TITLE_MAX = 200


class _Verbatim(str):
    """A value already made safe for Markdown (a link target): the finalize hook leaves it alone."""


def markdown_escape(value: Any) -> Any:
    if value is None or isinstance(value, _Verbatim):
        return "" if value is None else value
    return _MD_SPECIAL.sub(r"\\\1", str(value))


def _markdown_url(url: str) -> _Verbatim:
    # Characters that end or confuse a Markdown link target are percent-encoded; the URL still works.
    return _Verbatim(quote(url, safe=":/?#&=%@+,;~.-_!*'"))


@cache
def environment(fmt: Format) -> jinja2.Environment:
    """The Jinja2 environment for one body format (cached: building it compiles nothing, loading does)."""
    options: dict[str, Any] = {
        "loader": jinja2.PackageLoader("chipwatch.alerts", "templates"),
        "autoescape": fmt == "html",
        "undefined": jinja2.StrictUndefined,  # a typo in an override template fails loudly at render
        "keep_trailing_newline": False,
        "trim_blocks": False,
        "auto_reload": False,  # package templates do not change under a running process; skips a stat per render
    }
    if fmt == "markdown":
        options["finalize"] = markdown_escape
    env = jinja2.Environment(**options)
    env.filters["mdurl"] = _markdown_url if fmt == "markdown" else (lambda url: url)
    env.filters["href"] = _href
    return env


def _href(url: str) -> str:
    """Only http(s) links become clickable: a `javascript:` URL from a hostile feed must not reach an email."""
    return url if url.lower().startswith(("http://", "https://")) else "#"


def _number(value: Decimal) -> str:
    text = f"{value:,.3f}".rstrip("0").rstrip(".")
    return text


def english_value(q: dict[str, Any]) -> str:
    """A normalised quantity in plain English: USD 600 billion, 17%, 25x, 10,000 GPU."""
    unit = str(q.get("unit", ""))
    ends = [Decimal(str(q["value"]))]
    if q.get("value_max") is not None:
        ends.append(Decimal(str(q["value_max"])))
    if unit in CURRENCIES:
        top = max(abs(e) for e in ends)
        for size, word in _SCALES:
            if top >= size:
                return f"{unit} {'-'.join(_number(e / size) for e in ends)} {word}"
        return f"{unit} {'-'.join(_number(e) for e in ends)}"
    joined = "-".join(_number(e) for e in ends)
    if unit == "%":
        return f"{joined}%"
    if unit == "x":
        return f"{joined}x"
    return f"{joined} {unit}".strip()


def english_gloss(quantities: list[dict[str, Any]]) -> list[str]:
    """'6000亿美元 = USD 600 billion' for each quantity, so a reader without Chinese or Japanese gets the numbers."""
    return [f"{q.get('text', '')} = {english_value(q)}" for q in quantities]


def claim_context(claim: ClaimFacts) -> dict[str, Any]:
    """The variables every claim template sees (documented in the README's alert section)."""
    ctx = dict(vars(claim))  # shallow: templates only read it (dataclasses.asdict deep-copies, 10x slower)
    ctx["entities_list"] = claim.entities
    ctx["entities"] = ", ".join(claim.entities) or "AI chips"
    ctx["gloss"] = english_gloss(claim.quantities) if (claim.language or "") in CJK_LANGUAGES else []
    ctx["quantities"] = [english_value(q) for q in claim.quantities]
    ctx["quantities_raw"] = claim.quantities
    return ctx


def _template(rule: AlertRule | None, part: str, default: str, fmt: Format) -> jinja2.Template:
    override = getattr(rule.template, part, None) if rule is not None and rule.template else None
    env = environment(fmt)
    return env.from_string(override) if override else env.get_template(default)


def body_format_for(rule: AlertRule | None, target_format: Format) -> Format:
    """A rule's own template is written in its declared format; the defaults follow the target."""
    if rule is not None and rule.template is not None and rule.template.body:
        return rule.template.format
    return target_format


@dataclass(frozen=True)
class ArticleAlert:
    """What one immediate alert is about: the matching claims of one article, best first."""

    claims: list[ClaimFacts]
    follow_up: bool = False  # the rule alerted this target about other claims of the article before
    dashboard_url: str | None = None  # base URL of the dashboard, for the article's page

    @property
    def dashboard_link(self) -> str | None:
        best = self.claims[0]
        if not self.dashboard_url or best.article_id is None:
            return None
        return f"{self.dashboard_url.rstrip('/')}/articles/{best.article_id}"


def best_first(claims: list[ClaimFacts]) -> list[ClaimFacts]:
    """Highest score first; on a tie the claim with more figures, then the earlier one."""
    return sorted(claims, key=lambda c: (-c.score, -len(c.quantities), c.id))


def article_context(alert: ArticleAlert) -> dict[str, Any]:
    """The variables the article templates see: the best claim's own (so a rule template written for one claim
    keeps working), `claims` (all of them, best first), `headline`, `follow_up` and `dashboard_link`."""
    best = alert.claims[0]
    return {
        **claim_context(best),
        "claims": [claim_context(c) for c in alert.claims],
        "headline": headline(best, more=len(alert.claims) - 1, follow_up=alert.follow_up),
        "follow_up": alert.follow_up,
        "dashboard_link": alert.dashboard_link,
    }


def render_article_alert(rule: AlertRule, alert: ArticleAlert, dedup_key: str, fmt: Format) -> tuple[str, str]:
    """(title, body) of an immediate alert; the title is always plain text.

    A rule's own template that fails at render (an unknown variable) must not stop the queue: the default
    template is used instead, with the reason appended, and a warning is logged."""
    ctx = {**article_context(alert), "rule": rule.name, "dedup_key": dedup_key}
    try:
        title = _template(rule, "title", "article_title.j2", "text").render(ctx).strip()
        body = _template(rule, "body", f"article.{fmt}.j2", fmt).render(ctx).strip()
    except jinja2.TemplateError as exc:
        if rule.template is None:
            raise
        log.warning("rule %s: its template failed (%s); the default template was used", rule.name, exc)
        plain = rule.model_copy(update={"template": None})
        title, body = render_article_alert(plain, alert, dedup_key, "text")
        body += f"\n(rule template failed: {exc}; fix `template:` of rule {rule.name!r})"
    return title[:TITLE_MAX], body


def render_alert(rule: AlertRule, claim: ClaimFacts, dedup_key: str, fmt: Format) -> tuple[str, str]:
    """(title, body) of an alert about one claim."""
    return render_article_alert(rule, ArticleAlert([claim]), dedup_key, fmt)


def render_digest(
    rule: AlertRule, items: list[tuple[ClaimFacts, bool]], period: str, dedup_key: str, fmt: Format
) -> tuple[str, str]:
    """(title, body) of a digest; `items` are (claim, held back by the throttle)."""
    entries = [{**claim_context(c), "throttled": throttled} for c, throttled in items]
    ctx = {"rule": rule.name, "items": entries, "period": period, "dedup_key": dedup_key}
    title = environment("text").get_template("digest_title.j2").render(ctx).strip()
    body = environment(fmt).get_template(f"digest.{fmt}.j2").render(ctx).strip()
    return title[:TITLE_MAX], body
