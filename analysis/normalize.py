"""Length-preserving normalisation: matching runs on the normalised text, output slices the original.

Every replacement maps one character to one character, so an offset in the normalised text is the same offset
in the text as written; claims and quantities can then quote the source exactly ("8。5%") while the
matchers see clean input ("8.5%").
"""

from __future__ import annotations

import re

# Full-width ASCII (Ａ-ｚ, ０-９, ％, ＄, ，, ．...) -> ASCII; ideographic space -> space.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20
# Control characters (binary garbage decoded as text) become spaces, keeping newlines and tabs.
_CONTROLS = {cp: 0x20 for cp in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0xFFFD]}
_TABLE = {**_CONTROLS, **_FULLWIDTH}

# Machine translation and spinning garble the decimal point into 。 or ! ("暴跌8。5%"): between two digits
# these can only have been a decimal point.
_GARBLED_DECIMAL = re.compile(r"(?<=\d)[。!](?=\d)")
# A thousands separator garbled into the ideographic comma ("6、000美元"): only when exactly 3 digits follow.
_GARBLED_THOUSANDS = re.compile(r"(?<=\d)、(?=\d{3}(?!\d))")


def normalize(text: str) -> str:
    out = text.translate(_TABLE)
    out = _GARBLED_DECIMAL.sub(".", out)
    return _GARBLED_THOUSANDS.sub(",", out)
