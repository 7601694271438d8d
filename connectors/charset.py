"""Which encoding a fetched document is in: BOM, HTTP header, XML declaration or <meta>, then detection.

A declared charset is believed only if the bytes decode under it; servers that label GBK pages as
UTF-8 (or the reverse) are common in the zh/ja web.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_META = re.compile(
    rb"""<meta[^>]+?(?:charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)|content\s*=\s*["'][^"']*?charset\s*=\s*([A-Za-z0-9._:-]+))""",
    re.IGNORECASE,
)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
# Declared names that real pages use for a superset: decode with the superset.
_SUPERSETS = {
    **dict.fromkeys(("gb2312", "gbk", "x-gbk", "cp936"), "gb18030"),
    **dict.fromkeys(("shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji"), "cp932"),
    "big5": "big5hkscs",
    **dict.fromkeys(("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"), "cp1252"),
}


def header_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, normalised, or None."""
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return _codec(match.group(1)) if match else None


def bom_charset(data: bytes) -> str | None:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    return None


def declared_in_document(data: bytes) -> str | None:
    """The encoding an XML declaration or an HTML <meta> names in the first 4 KB (ASCII-compatible only)."""
    head = data[:4096]
    match = _XML_DECL.match(head)
    if match:
        return _codec(match.group(1).decode("ascii"))
    match = _META.search(head)
    if match:
        return _codec((match.group(1) or match.group(2)).decode("ascii"))
    return None


def detect_encoding(data: bytes, content_type: str | None = None) -> str:
    """The codec to decode `data` with: BOM, then header, then in-document declaration (each only if
    the bytes decode under it), then charset-normalizer's guess, then UTF-8."""
    bom = bom_charset(data)
    if bom:
        return bom
    header, document = header_charset(content_type), declared_in_document(data)
    # Servers label everything ISO-8859-1 by default; a page's own declaration is better evidence.
    order = (document, header) if header == "cp1252" else (header, document)
    for candidate in order:
        if candidate and _decodes(data, candidate):
            return candidate
    if _decodes(data, "utf-8"):
        return "utf-8"
    best = from_bytes(data[:200_000]).best()
    if best is not None and best.encoding:
        return _codec(best.encoding) or "utf-8"
    return "utf-8"


def decode_document(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(text, codec) of a fetched document; undecodable bytes become U+FFFD rather than an error."""
    codec = detect_encoding(data, content_type)
    return data.decode(codec, errors="replace").lstrip("\ufeff"), codec


def header_contradicts_body(data: bytes, content_type: str | None) -> bool:
    """True when the header names a charset the bytes cannot be in (the 'wrong charset header' case)."""
    declared = header_charset(content_type)
    if not declared:
        return False
    bom = bom_charset(data)
    if bom:
        return not declared.startswith(bom.removesuffix("-sig"))
    return not _decodes(data, declared)


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lower()
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def html_as_utf8(data: bytes, content_type: str | None) -> tuple[bytes, str | None]:
    """An HTML or plain-text document re-encoded as UTF-8, with a content type that says so.

    Later stages (trafilatura) take valid UTF-8 at face value but guess any other encoding
    without reading the header; deciding here, where the header is known, makes a wrong header,
    a UTF-16 page or a short Big5 page decode right. Other types pass through untouched.
    """
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype not in ("text/html", "application/xhtml+xml", "text/plain", ""):
        return data, content_type
    text, _codec = decode_document(data, content_type)
    return text.encode("utf-8"), f"{ctype or 'text/html'}; charset=utf-8"
