"""Length-preserving normalisation: matching runs on the normalised text, output slices the original.

Every replacement maps one character to one character, so an offset in the normalised text is the same offset
in the text as written; claims and quantities can then quote the source exactly ("8。5%") while the
matchers see clean input ("8.5%").
"""

from __future__ import annotations

import re

# Full-width digits, Latin letters and the signs numbers are written with (０-９, Ａ-ｚ, ％, ＄, ．, ／, －)
# -> ASCII. Full-width CJK punctuation (，！？：；) is left alone: the matchers know it, and "1，2" is a list,
# not the number 1,2.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]}
_FULLWIDTH.update({ord(c): ord(c) - 0xFEE0 for c in "％＄．／－＋"})
_FULLWIDTH[0x3000] = 0x20
# Control characters (binary garbage decoded as text) become spaces, keeping newlines and tabs.
_CONTROLS = {cp: 0x20 for cp in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0xFFFD]}
_TABLE = {**_CONTROLS, **_FULLWIDTH}

# Machine translation and spinning garble the decimal point into 。 or ! ("暴跌8。5%"): between two digits
# these can only have been a decimal point.
# (Each pattern opens with the character it replaces and looks back for the digit: a pattern that opens with
# a look-behind is tried at every position and costs ten times more. One pattern per character: a pattern
# that opens with one literal character is searched for several times faster than one opening with a class,
# so three passes cost less than one. The three are independent: each replaces only its own character.)
_GARBLED_DECIMALS = [re.compile(f"{c}(?<=\\d{c})(?=\\d)") for c in "。!！"]
# A thousands separator garbled into the ideographic comma ("6、000美元"): only when exactly 3 digits follow.
_GARBLED_THOUSANDS = re.compile(r"、(?<=\d、)(?=\d{3}(?!\d))")


# str.translate walks every character through a dict (slow on CJK text); substituting only the characters
# that need it is several times faster because most documents have few of them.
_NEEDS_MAP = re.compile("[" + "".join(re.escape(chr(cp)) for cp in sorted(_TABLE)) + "]")


def _map_char(m: re.Match[str]) -> str:
    return chr(_TABLE[ord(m.group())])


def normalize(text: str) -> str:
    out = _NEEDS_MAP.sub(_map_char, text)
    for garbled in _GARBLED_DECIMALS:
        out = garbled.sub(".", out)
    return _GARBLED_THOUSANDS.sub(",", out)
