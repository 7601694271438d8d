"""HTML nested deeper than libxml2 follows, made shallow so trafilatura sees all of its text.

libxml2 (under lxml, under trafilatura) stops building the tree at 256 levels (2,048 with huge_tree) and drops
everything below: a page whose article sits 300 or 5,000 elements deep came out as "no article text found".
`may_be_too_deep` is a cheap test on the bytes for every page; `flatten_deep_html` rewrites the rare page that
trips it: the outer `KEEP_DEPTH` levels stay as written, and below them every tag is dropped while each block
boundary (a paragraph, a div, a heading, a line break) starts a new `<p>`, so the deep text arrives as flat
paragraphs in document order. Script, style and template contents stay out of the text.
"""

from __future__ import annotations

import re
from collections import Counter
from html import escape
from html.parser import HTMLParser
from itertools import accumulate

# libxml2's default limit is 256 levels; a page that reaches this many is at it, or about to be.
PARSER_DEPTH = 250
# Levels kept as written when flattening: real pages put their article text 10-40 levels deep.
KEEP_DEPTH = 100


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


_VOID = _names("area base br col embed hr img input keygen link meta param source track wbr")
# "<" or "</" before a tag name, void elements left out: findall gives b"" per start tag and b"/" per end tag.
_TAG = re.compile(rb"<(/?)(?!(?:" + "|".join(sorted(_VOID)).encode() + rb")[\s/>])[A-Za-z]", re.IGNORECASE)
_STEP = {b"": 1, b"/": -1}
# Tags whose start or end separates paragraphs of text.
_BLOCK = _names(
    "address article aside blockquote br dd details dialog div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot th thead tr ul"
)
# Tags whose content is not text.
_HIDDEN = _names("script style template noscript svg math iframe object head title")
# Tags whose start closes an open <p>, as in browsers and libxml2.
_CLOSES_P = _names(
    "address article aside blockquote details dialog div dl fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section table ul"
)
_CLOSED_BY_SELF = frozenset({"li", "dt", "dd", "tr", "td", "th", "option"})


def may_be_too_deep(data: bytes, limit: int = PARSER_DEPTH) -> bool:
    """Whether the markup may nest `limit` elements deep, from the tags alone (an ASCII-compatible encoding).

    Start tags (but void ones) count +1, end tags -1, all in C-level iteration: about 0.15 ms on a 35 KB page.
    The peak of the running sum, less its lowest dip, errs towards yes (unclosed <p> and <li> count as open,
    stray end tags at the top are discounted), so a "yes" is confirmed on the parsed tree.
    """
    if data.count(b"<") < limit:
        return False
    depths = list(accumulate(map(_STEP.__getitem__, _TAG.findall(data))))
    return bool(depths) and max(depths) - min(0, min(depths)) >= limit


def flatten_deep_html(html: str, keep_depth: int = KEEP_DEPTH) -> str:
    """The same page with nothing nested deeper than about `keep_depth` + 1 elements, its text kept."""
    flattener = _Flattener(keep_depth)
    flattener.feed(html)
    flattener.close()
    return flattener.result()


class _Flattener(HTMLParser):
    def __init__(self, keep_depth: int) -> None:
        super().__init__(convert_charrefs=False)  # entities pass through as written
        self._keep = keep_depth
        self._out: list[str] = []
        self._stack: list[str] = []
        self._open: Counter[str] = Counter()
        self._hidden = 0  # open script/style/... elements below the kept levels
        self._para = False  # a synthetic <p> is open at the kept boundary

    def result(self) -> str:
        self._end_para()
        return "".join(self._out)

    # -- structure
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _CLOSES_P and self._stack and self._stack[-1] == "p":
            self._close_to("p")
        elif tag in _CLOSED_BY_SELF and self._stack and self._stack[-1] == tag:
            self._close_to(tag)
        if len(self._stack) < self._keep:
            self._end_para()
            self._out.append(self.get_starttag_text() or f"<{tag}>")
        else:
            self._deep_tag(tag, starting=True)
        if tag not in _VOID:
            self._stack.append(tag)
            self._open[tag] += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if len(self._stack) < self._keep:
            self._end_para()
            self._out.append(self.get_starttag_text() or f"<{tag}/>")
        elif tag in _BLOCK:
            self._end_para()

    def handle_endtag(self, tag: str) -> None:
        if self._open[tag]:
            self._close_to(tag)
        # a stray end tag closes nothing, as in libxml2

    def _close_to(self, tag: str) -> None:
        while self._stack:
            top = self._stack.pop()
            self._open[top] -= 1
            if len(self._stack) < self._keep:
                self._end_para()
                self._out.append(f"</{top}>")
            else:
                self._deep_tag(top, starting=False)
            if top == tag:
                return

    def _deep_tag(self, tag: str, *, starting: bool) -> None:
        """A tag below the kept levels: dropped; a block boundary ends the current paragraph."""
        if tag in _HIDDEN:
            self._hidden += 1 if starting else -1
        if tag in _BLOCK:
            self._end_para()

    # -- content
    def handle_data(self, data: str) -> None:
        if len(self._stack) < self._keep:
            self._end_para()
            self._out.append(data if self._in_raw_text() else escape(data, quote=False))
        elif not self._hidden and (data.strip() or self._para):  # spaces between inline tags count
            self._start_para()
            self._out.append(escape(data, quote=False))

    def handle_entityref(self, name: str) -> None:
        self._reference(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self._reference(f"&#{name};")

    def _reference(self, text: str) -> None:
        if len(self._stack) < self._keep:
            self._end_para()
            self._out.append(text)
        elif not self._hidden:
            self._start_para()
            self._out.append(text)

    def handle_comment(self, data: str) -> None:
        if len(self._stack) < self._keep:
            self._out.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self._out.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self._out.append(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        if len(self._stack) < self._keep:
            self._out.append(f"<![{data}]>")

    def _in_raw_text(self) -> bool:
        """Inside <script> or <style> the parser hands over the text unescaped; it must go back as it came."""
        return bool(self._stack) and self._stack[-1] in ("script", "style")

    def _start_para(self) -> None:
        if not self._para:
            self._out.append("<p>")
            self._para = True

    def _end_para(self) -> None:
        if self._para:
            self._out.append("</p>")
            self._para = False
