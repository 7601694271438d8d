"""Table rows whose unit sits in a note or a header, not beside the numbers.

Results tables in press releases, broker notes and data pages print bare figures ("売上高 4,865 1,387 1,905")
under a unit note ("(単位:百万円)", "(億円)", "($ in millions)") or under header cells that carry the unit
("营业收入(万元)", "毛利率(%)"). Read as prose, those figures have no unit and are left out. This module finds
such rows and reads each figure with the unit its note or column gives.

A table block starts at a unit note line or at a pipe table ("| a | b |") and runs over the short lines after it,
up to the first line of prose (a sentence end, or a long line) or a new note. A row is a line of the block with a
label ahead of its figures. Pure: text in, rows out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .model import Quantity

# A unit note: a bracketed group of a few words ("(単位:百万円)", "(in US$ millions)").
_NOTE = re.compile(r"[(（]([^()（）\n]{1,28})[)）]")
# Lines longer than this, or with a sentence end, are prose: they end a table block.
_MAX_ROW_CHARS = 200
_PROSE_END = re.compile(r"[。．！？]|\.\s|\.$")
# A table block reaches at most this many lines past its note: a unit note does not rule a whole page.
_MAX_BLOCK_LINES = 40
# A figure in a row: an optional sign (▲ and △ are minus in Japanese tables), digits with thousands separators,
# decimals, and an optional ratio unit. Not glued to a letter or digit before it ("FY2024", "3Q24") or to a
# letter after it ("1Q", "2024年"): those are periods, not figures.
_FIGURE = re.compile(
    r"(?<![A-Za-z0-9_.,/*※])(?P<sign>[-+−▲△]?)(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<dec>\.\d+)?"
    r"(?:(?P<unit>%|倍|pts?|ポイント|x(?![A-Za-z]))|(?P<cur>円|元|ドル))?(?![\w.,/])"
)
_RATIO_UNITS = {"%": "%", "倍": "x", "x": "x", "pt": "pp", "pts": "pp", "ポイント": "pp"}
# A currency word right after a figure gives it that currency at face value ("84.45円" per share).
_FACE_VALUE = {"円": "JPY", "元": "CNY", "ドル": "USD"}
_MINUS = "-−▲△"
_BOX_RULE = re.compile(r"^[\s├┌└┼┬┴┤┐┘─━═\-+|:]*$")


@dataclass(frozen=True, slots=True)
class ColumnUnit:
    """What a bare figure under a note or header means: `scale` times the number, in `unit` (ISO code or %)."""

    scale: float
    unit: str


@dataclass(slots=True)
class Row:
    """One table row: where its line sits in the normalised text, and its figures read with their units (None:
    a fact-sheet line whose figures carry their own units, read as any sentence's are)."""

    start: int
    end: int
    label: str
    quantities: list[Quantity] | None


# A fact-sheet line: a short label (a noun phrase: no comma), then one figure with its own unit ("ROE 123.77%",
# "PBR62.01倍", "配当利回り0.03%", "Gross margin: 75.0%"), perhaps a bracketed remark after it; no sentence end.
_FACT_BODY = (
    r"[ \t]*(?P<label>[^\d\s|(（,，][^\d|。,，\n]{0,30}?)[ \t:：]*[-+−▲△]?\d[\d,]*(?:\.\d+)?[ \t]?"
    r"(?:%|倍|x|pts?|億|亿|万|兆|円|元|ドル|USD|美元|[$]|[BbMm]n?\b)[^\n。．！？!?]{0,40}(?<![.,，])"
)
_FACT = re.compile(_FACT_BODY)
# Where a fact-sheet line, a pipe table line or a unit note may be: each search opens with a literal newline
# (the text is searched with one put before it), which the regex engine skips to in C, so a document without
# a table costs three quick scans.
# (the look-aheads first: a line of at most 60 characters with a digit among its first 31, tested as possessive
# runs of one character class each, turn down a prose line before the label's lazy match is tried at every
# length; possessive, since backing off such a run one character at a time was most of the cost)
_FACT_LINE = re.compile(
    r"\n(?=[^\n]{1,60}+(?:\n|$))(?=[^\n\d]{1,31}+\d)" + _FACT_BODY.replace("(?P<label>", "(?:") + r"(?=\n|$)"
)
_PIPE_LINE = re.compile(r"\n[ \t]*\|")
# A fact sheet is a run of at least this many such lines: one alone is just a short line.
_MIN_FACT_RUN = 3


class NoteReader:
    """Reads unit notes with the vocabulary's currency and scale words."""

    def __init__(self, units: dict[str, Any]) -> None:
        currencies: dict[str, str] = {**units["currency_prefix"], **units["currency_suffix"]}
        currencies = {w: code for w, code in currencies.items() if code != "¥"}
        currencies.update({"円": "JPY", "¥": "JPY", "$": "USD"})
        self.currencies = currencies
        self.scales: dict[str, float] = {k: float(v) for k, v in units["table_scales"].items()}
        # Every character a currency word may end with, both cases: a note holds at least one.
        ends = {w[-1] for w in currencies} | {w[-1].lower() for w in currencies} | {w[-1].upper() for w in currencies}
        self.currency_char = re.compile("[" + "".join(re.escape(c) for c in sorted(ends)) + "]")
        cur = "|".join(re.escape(w) for w in sorted(currencies, key=len, reverse=True))
        scale = "|".join(re.escape(w) for w in sorted(self.scales, key=len, reverse=True))
        openers = "|".join(re.escape(w) for w in sorted(units["table_note_openers"], key=len, reverse=True))
        # [opener[:]] [currency] [in] [scale] [of] [currency]: "単位:百万円", "$ in millions", "in millions of
        # US dollars", "百万USD", "億円", "万元", "%".
        self.pattern = re.compile(
            rf"\s*(?:(?:{openers})\s*[:：]?\s*)?(?P<c1>{cur})?\s*(?:in\s+)?(?P<s>{scale})?\s*(?:of\s+)?(?P<c2>{cur})?\s*",
            re.IGNORECASE,
        )

    def read(self, body: str) -> ColumnUnit | None:
        """The unit a note's bracketed text names, or None when it names none."""
        if body.strip() == "%":
            return ColumnUnit(1.0, "%")
        if self.currency_char.search(body) is None:
            return None  # most brackets ("(记者 张三)", "(NASDAQ: AMD)") hold no currency word: one quick test
        m = self.pattern.fullmatch(body)
        if m is None:
            return None
        written = m.group("c1") or m.group("c2")
        if not written:
            return None
        code = (
            self.currencies.get(written)
            or self.currencies.get(written.upper())
            or _lower_lookup(self.currencies, written)
        )
        if not code:
            return None
        scale_word = m.group("s")
        scale = 1.0
        if scale_word:
            scale = self.scales.get(scale_word) or self.scales.get(scale_word.lower()) or 1.0
        return ColumnUnit(scale, code)

    def in_text(self, text: str) -> ColumnUnit | None:
        """The unit of the last unit note inside `text` (a header cell, a note line), or None."""
        found = None
        for m in _NOTE.finditer(text):
            unit = self.read(m.group(1))
            if unit is not None:
                found = unit
        return found


def _lower_lookup(table: dict[str, str], word: str) -> str:
    low = word.lower()
    for key, code in table.items():
        if key.lower() == low:
            return code
    return ""


def table_rows(norm: str, original: str, reader: NoteReader) -> list[Row]:
    """Rows of every table block in the document whose figures get a unit from a note or a header."""
    begin = _first_table_line(norm, reader)
    if begin < 0:
        return []  # the common case
    rows: list[Row] = []
    note: ColumnUnit | None = None
    lines_left = 0
    columns: list[ColumnUnit | None] = []
    header_cells: list[str] = []
    offset = begin
    facts: list[Row] = []  # the current run of fact-sheet lines
    for line in norm[begin:].split("\n"):
        start = offset
        offset += len(line) + 1
        stripped = line.strip()
        if not stripped:
            continue
        fact = _FACT.fullmatch(line) if len(stripped) <= 60 and note is None else None
        if fact is not None:
            indent = len(line) - len(line.lstrip())
            facts.append(Row(start + indent, start + len(line.rstrip()), fact.group("label").strip(), None))
            continue
        if len(facts) >= _MIN_FACT_RUN:
            rows.extend(facts)
        facts = []
        if len(stripped) > _MAX_ROW_CHARS or _PROSE_END.search(stripped):
            note, lines_left, columns, header_cells = None, 0, [], []
            continue
        if _BOX_RULE.match(stripped):
            continue  # a rule line: box drawing, or a markdown table's "|---|---|"
        if stripped.startswith("|"):
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if not any(_is_figure(c) for c in cells[1:]):
                # a header row: cells of a header wrapped over two lines are read together
                if header_cells and len(header_cells) == len(cells):
                    header_cells = [a + b for a, b in zip(header_cells, cells, strict=True)]
                else:
                    header_cells = cells
                columns = [reader.in_text(c) for c in header_cells]
                continue
            row = _pipe_row(line, start, cells, columns, note, original)
            if row is not None:
                rows.append(row)
            continue
        header_cells = []
        unit = reader.in_text(stripped) if len(stripped) <= 60 else None
        if unit is not None and not _FIGURE.search(_NOTE.sub("", stripped)):
            note, lines_left = unit, _MAX_BLOCK_LINES  # a note line (perhaps a heading with its note)
            continue
        if note is None:
            continue
        lines_left -= 1
        if lines_left < 0:
            note = None
            continue
        row = _spaced_row(line, start, note, original)
        if row is not None:
            rows.append(row)
    if len(facts) >= _MIN_FACT_RUN:
        rows.extend(facts)
    rows.sort(key=lambda r: r.start)
    return rows


def _first_table_line(norm: str, reader: NoteReader) -> int:
    """Where the first line that may belong to a table starts (a unit note, a pipe table line, a fact-sheet
    line among at least _MIN_FACT_RUN), or -1."""
    lined = "\n" + norm  # (offsets in `lined` are one past those in norm: a match's "\n" is the line break)
    found = []
    for bracket in "(（":  # str.find runs in C, a regex scan for a character class does not
        at = norm.find(bracket)
        while at >= 0:
            m = _NOTE.match(norm, at)
            if m is not None and reader.read(m.group(1)) is not None:
                found.append(at)
                break
            at = norm.find(bracket, at + 1)
    pipe = _PIPE_LINE.search(lined) if "|" in norm else None
    if pipe is not None:
        found.append(pipe.start())
    first_facts = [m.start() for _, m in zip(range(_MIN_FACT_RUN), _FACT_LINE.finditer(lined), strict=False)]
    if len(first_facts) == _MIN_FACT_RUN:
        found.append(first_facts[0])
    if not found:
        return -1
    at = min(found)
    return norm.rfind("\n", 0, at) + 1  # the start of that line


def _is_figure(cell: str) -> bool:
    m = _FIGURE.fullmatch(cell)
    return m is not None


# An integer part this long without thousands separators is cells glued together by a bad copy
# ("261281329" for 261 / 281 / 329), not one figure.
_MAX_PLAIN_DIGITS = 6


def _figures(line: str) -> list[re.Match[str]]:
    return [m for m in _FIGURE.finditer(line) if "," in m.group("num") or len(m.group("num")) <= _MAX_PLAIN_DIGITS]


def _spaced_row(line: str, start: int, note: ColumnUnit, original: str) -> Row | None:
    """A row of a table laid out with blanks: a label, then figures in the note's unit."""
    figures = _figures(line)
    if not figures:
        return None
    label = line[: figures[0].start()].strip()
    if not label or not any(ch.isalpha() for ch in label):
        return None  # a continuation line of figures, or a header of periods
    quantities = [_quantity(m, note, original, start) for m in figures]
    return Row(start + (len(line) - len(line.lstrip())), start + len(line.rstrip()), label, quantities)


def _pipe_row(
    line: str, start: int, cells: list[str], columns: list[ColumnUnit | None], note: ColumnUnit | None, original: str
) -> Row | None:
    """A row of a pipe table: the first cell is the label, each other cell a figure in its column's unit."""
    label = cells[0]
    if not label or not any(ch.isalpha() for ch in label):
        return None
    quantities: list[Quantity] = []
    for i, cell in enumerate(cells[1:], start=1):
        m = _FIGURE.fullmatch(cell)
        if m is None:
            continue
        unit = columns[i] if i < len(columns) and columns[i] is not None else note
        if unit is None and not (m.group("unit") or m.group("cur")):
            continue
        quantities.append(_quantity(m, unit, None, 0))
    if not quantities:
        return None
    return Row(start + (len(line) - len(line.lstrip())), start + len(line.rstrip()), label, quantities)


def _quantity(m: re.Match[str], unit: ColumnUnit | None, original: str | None, base: int) -> Quantity:
    number = float(m.group("num").replace(",", "") + (m.group("dec") or ""))
    if m.group("sign") and m.group("sign") in _MINUS:
        number = -number
    written = m.group("unit")
    text = original[base + m.start() : base + m.end()] if original is not None else m.group()
    if written:
        return Quantity(value=_round(number), unit=_RATIO_UNITS[written], text=text)
    if m.group("cur"):
        return Quantity(value=_round(number), unit=_FACE_VALUE[m.group("cur")], text=text)
    assert unit is not None
    if unit.unit == "%":
        return Quantity(value=_round(number), unit="%", text=text)
    return Quantity(value=_round(number * unit.scale), unit=unit.unit, text=text)


def _round(value: float) -> float:
    """Scaled figures without float noise: 288064.35 * 1e4 is 2880643500, not 2880643500.0000005."""
    return round(value, 4) if abs(value) < 1e6 else float(round(value))
