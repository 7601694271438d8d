"""Cells safe to open in a spreadsheet (the dashboard's CSV and `chipwatch export --format csv` share this).

A cell starting with = + - @ (or tab / carriage return) is read as a formula by Excel, LibreOffice and Google
Sheets; article text is hostile, so such cells get a leading apostrophe (OWASP advice).
"""

from __future__ import annotations

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # spreadsheets then read CJK text as UTF-8


def neutralise(value: object) -> str:
    """The cell text, with a leading apostrophe when a spreadsheet would take it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
