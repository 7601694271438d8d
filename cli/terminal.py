"""Output for a terminal. Documents, feeds and servers are hostile, and a terminal obeys the control sequences it
is sent: ESC ] 0 ; ... BEL retitles the window, CSI sequences move the cursor, clear the screen or hide text.
Text mode shows every control character as a visible escape; JSON stays exact (a parser gets the same string)."""

from __future__ import annotations

import json
import re
from typing import Any

# C0 except newline and tab, then DEL and the C1 block (U+0080-U+009F; U+009B is a one-character CSI).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# json.dumps escapes C0 itself; with ensure_ascii=False it writes DEL and C1 raw.
_RAW_IN_JSON = re.compile("[\x7f-\x9f]")


def printable(text: object) -> str:
    """`text` with each control character written as `\\xNN`, so that it is seen rather than obeyed."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def json_line(obj: Any) -> str:
    """One JSON value on one line, CJK as written, DEL and C1 as `\\u` escapes: the same data, inert on a terminal.

    Those characters can only occur inside JSON strings (the syntax is ASCII), and json.dumps always escapes a
    backslash as a pair, so replacing them in the dumped text keeps the document valid and its strings equal.
    """
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(obj, ensure_ascii=False))
