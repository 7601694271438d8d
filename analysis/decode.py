"""Bytes to text for plain-text documents in any of the encodings the commentary arrives in."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

# Tried by the detector when the bytes are not UTF-8: the encodings zh/ja sources actually use.
CJK_CANDIDATES = ["gb18030", "big5", "shift_jis", "euc_jp", "utf_16", "cp1252"]
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


class UndecodableError(ValueError):
    """The bytes are not text in any supported encoding (likely a binary file)."""


def decode_text(data: bytes) -> str:
    """BOM first, then strict UTF-8, then detection among CJK encodings; binary data raises."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    if b"\x00" in data[:4096]:
        raise UndecodableError("looks binary (NUL bytes) and has no UTF-16/32 byte-order mark")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=CJK_CANDIDATES).best()
    if best is None:
        raise UndecodableError("not text in UTF-8, GB18030, Big5, Shift_JIS or EUC-JP")
    return str(best)
