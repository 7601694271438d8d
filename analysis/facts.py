"""Is it the same fact? Two pure, fast functions over quantities (analysis/model.py Quantity, or any object or
mapping with the same fields: value, unit, text, value_max, metric, period, entity), run once per stored claim.

- `fact_key(q)`: (entity, metric, period), the index key of the fact a quantity states; None when the quantity
  names no metric or no entity (not a fact).
- `same_value(a, b)`: the two numbers are one value written twice, allowing for rounding: 46.7 and 46.74 (the
  coarser one is the finer one rounded), $46.7B and 467亿美元 (one unit, whole units), 72% and 72.4%.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

# The first number as written: its decimals (or trailing zeros) say how precisely it was given.
_WRITTEN = re.compile(r"\d[\d,]*(?:\.(\d+))?")
# Whatever is written, money and counts match within 2% at most ("$600bn" is not "$620bn"), and always within
# 0.1% (a figure converted and re-rounded).
_MAX_RELATIVE = 0.02
_MIN_RELATIVE = 0.001
# Units whose values are points, not amounts: rounding to the written digit is all the tolerance they get.
_POINT_UNITS = frozenset({"%", "pp", "x"})


class FactKey(NamedTuple):
    entity: str
    metric: str
    period: str | None


def _field(q: Any, name: str) -> Any:
    if isinstance(q, Mapping):
        return q.get(name)
    return getattr(q, name, None)


def fact_key(q: Any) -> FactKey | None:
    """(entity, metric, period) of a quantity; None when it has no metric or no entity."""
    metric, entity = _field(q, "metric"), _field(q, "entity")
    if not metric or not entity:
        return None
    return FactKey(str(entity), str(metric), _field(q, "period") or None)


def written_step(text: str | None, value: float) -> float:
    """The size of the last written digit, in the value's units: "$46.7 billion" -> 1e8, "467亿" -> 1e8,
    "470亿" -> 1e9, "72.4%" -> 0.1. 0 when the text shows no digits (百分之九十): exact."""
    if not text:
        return 0.0
    m = _WRITTEN.search(text)
    if m is None:
        return 0.0
    digits = m.group().replace(",", "")
    try:
        written = float(digits)
    except ValueError:
        return 0.0
    if written == 0:
        return 0.0
    scale = abs(value) / written if value else 1.0
    decimals = m.group(1)
    if decimals:
        return scale * 10.0 ** -len(decimals)
    whole = digits.split(".")[0]
    zeros = len(whole) - len(whole.rstrip("0"))
    return scale * 10.0**zeros


def same_value(a: Any, b: Any) -> bool:
    """Do two quantities give one value (same unit; equal once rounded to the coarser one's last digit)?"""
    unit = _field(a, "unit")
    if unit != _field(b, "unit") and not _same_local_yuan(a, b):
        return False
    va, vb = _field(a, "value"), _field(b, "value")
    if va is None or vb is None:
        return False
    va, vb = float(va), float(vb)
    ma, mb = _field(a, "value_max"), _field(b, "value_max")
    if ma is not None or mb is not None:
        return _same_range(va, ma, vb, mb, a, b, unit)
    return _close(va, vb, _tolerance(va, vb, a, b, unit))


def _same_local_yuan(a: Any, b: Any) -> bool:
    """元 on its own is the local currency: CNY in mainland text, TWD in Taiwan's ("4523億元" is NT$452.3 billion).
    The engine reads a bare 元 as CNY, so CNY written as a bare 元 matches TWD."""
    units = {_field(a, "unit"), _field(b, "unit")}
    if units != {"CNY", "TWD"}:
        return False
    yuan = a if _field(a, "unit") == "CNY" else b
    text = str(_field(yuan, "text") or "")
    return text.endswith("元") and not any(word in text for word in _MAINLAND_YUAN)


_MAINLAND_YUAN = ("人民币", "人民幣", "RMB", "¥", "￥")


def _tolerance(va: float, vb: float, a: Any, b: Any, unit: str) -> float:
    half_step = max(written_step(_field(a, "text"), va), written_step(_field(b, "text"), vb)) / 2
    if unit in _POINT_UNITS:
        return half_step
    size = max(abs(va), abs(vb))
    return max(min(half_step, _MAX_RELATIVE * size), _MIN_RELATIVE * size)


def _close(va: float, vb: float, tolerance: float) -> bool:
    return abs(va - vb) <= tolerance * (1 + 1e-9) + 1e-12 or math.isclose(va, vb, rel_tol=1e-9)


def _same_range(va: float, ma: Any, vb: float, mb: Any, a: Any, b: Any, unit: str) -> bool:
    """Two ranges are the same when both ends are; a single value is the same as a range it lies in."""
    if ma is not None and mb is not None:
        tol = _tolerance(va, vb, a, b, unit)
        return _close(va, vb, tol) and _close(float(ma), float(mb), tol)
    low, high, point = (va, float(ma), vb) if ma is not None else (vb, float(mb), va)
    return low <= point <= high
