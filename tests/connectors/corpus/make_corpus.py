"""Regenerates the encoding corpus: one feed and one page per encoding, each stating what it expects.

Run from this folder: `python make_corpus.py`. Links point only at 127.0.0.1. The expectation is an
ASCII-only JSON comment (`Expect: {...}`) so a test can read it before knowing the encoding:
`serve` is the Content-Type the loopback server sends (sometimes deliberately wrong), `title` the
first entry's (or the page's first article link's) text once decoded.
"""

import json
from pathlib import Path

TITLES = {
    "zh-hans": "英伟达市值单日蒸发6000亿美元",
    "zh-hant": "輝達市值單日蒸發6000億美元",
    "ja": "エヌビディア株が急落、推論コストは十分の一に",
}
# (file stem, codec to write, language, Content-Type served, whether a BOM is written, declare in document)
CASES = [
    ("gb18030", "gb18030", "zh-hans", "application/rss+xml", False, True),
    ("gbk", "gbk", "zh-hans", "application/rss+xml; charset=gbk", False, True),
    ("gbk_header_says_utf8", "gbk", "zh-hans", "application/rss+xml; charset=utf-8", False, True),
    ("gb2312_label_gbk_chars", "gbk", "zh-hans", "text/xml", False, "gb2312"),
    ("big5", "big5", "zh-hant", "application/rss+xml", False, True),
    ("big5_header_only", "big5", "zh-hant", "text/xml; charset=big5", False, False),
    ("shift_jis", "shift_jis", "ja", "application/rss+xml", False, True),
    ("shift_jis_header_says_latin1", "shift_jis", "ja", "text/html; charset=iso-8859-1", False, True),
    ("euc_jp", "euc_jp", "ja", "application/rss+xml", False, True),
    ("utf8_bom", "utf-8", "ja", "application/rss+xml", True, False),
    ("utf16le_bom", "utf-16-le", "zh-hans", "application/xml", True, True),
    ("utf16be_bom", "utf-16-be", "ja", "application/xml", True, True),
    ("utf16_header_says_utf8", "utf-16-le", "zh-hant", "application/xml; charset=utf-8", True, True),
    ("utf32le_bom", "utf-32-le", "zh-hans", "application/xml", True, True),
    ("utf32be_bom", "utf-32-be", "ja", "application/xml", True, True),
]
BOMS = {"utf-8": "\ufeff", "utf-16-le": "\ufeff", "utf-16-be": "\ufeff", "utf-32-le": "\ufeff", "utf-32-be": "\ufeff"}
DECL_NAME = {"utf-16-le": "utf-16", "utf-16-be": "utf-16", "utf-32-le": "utf-32", "utf-32-be": "utf-32"}


def feed(codec: str, title: str, declare: object, expect: dict) -> str:
    name = declare if isinstance(declare, str) else DECL_NAME.get(codec, codec)
    decl = f'<?xml version="1.0" encoding="{name}"?>\n' if declare else '<?xml version="1.0"?>\n'
    return (
        f"{decl}<!-- Expect: {json.dumps(expect)} -->\n"
        f'<rss version="2.0"><channel><title>{title}</title><link>http://127.0.0.1/</link>\n'
        f"<item><title>{title}</title><link>http://127.0.0.1/a/1</link><guid>corpus-1</guid></item>\n"
        "</channel></rss>\n"
    )


def page(codec: str, title: str, declare: object, expect: dict) -> str:
    name = declare if isinstance(declare, str) else DECL_NAME.get(codec, codec)
    meta = f'<meta charset="{name}">' if declare else ""
    return (
        f"<!DOCTYPE html>\n<!-- Expect: {json.dumps(expect)} -->\n<html><head>{meta}<title>{title}</title></head>"
        f'<body><main><ul><li><a href="/news/2025/corpus-1.html">{title}</a></li></ul></main>'
        "</body></html>\n"
    )


for stem, codec, lang, serve, bom, declare in CASES:
    title = TITLES[lang]
    for kind, render in (("feed", feed), ("page", page)):
        ctype = (
            serve
            if kind == "feed"
            else serve.replace("application/rss+xml", "text/html")
            .replace("application/xml", "text/html")
            .replace("text/xml", "text/html")
        )
        expect = {"serve": ctype, "title": title}
        text = (BOMS[codec] if bom else "") + render(codec, title, declare, expect)
        Path(f"{kind}_{stem}.{'xml' if kind == 'feed' else 'html'}").write_bytes(text.encode(codec))
