"""Times on the pages as people read them: relative ("3 min ago"), the absolute time in the configured time zone
on hover, the machine-readable instant in `<time datetime>`. One format everywhere (chipwatch.timefmt)."""

from __future__ import annotations

from datetime import UTC, datetime

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from chipwatch.timefmt import absolute, relative


def _instant(value: datetime | str) -> datetime:
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@pass_context
def ago(ctx: Context, value: datetime | str | None) -> Markup:
    """`<time datetime="..." title="2026-12-04 19:05 CET">3 min ago</time>`, or a dash for no time."""
    if not value:
        return Markup("—")
    when = _instant(value)
    request = ctx.get("request")  # every page passes it; a template rendered without one shows UTC
    zone = request.app.state.timezone if request is not None else "UTC"
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        when.isoformat(), absolute(when, zone), relative(when)
    )
