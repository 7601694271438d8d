"""One-pass multi-term matcher: every vocabulary term (aliases, cues, negators) found in one scan.

The scan is an Aho-Corasick automaton compiled to a DFA (ahocorasick-rs, Rust's aho-corasick crate shipped
as a wheel): its cost grows with the text, not with the number of terms, so adding aliases does not slow the
engine. It replaced pyahocorasick, whose nodes look up children by linear search (the root has hundreds of
CJK children): the same matches, 6x faster on the seeds. Where the extension is missing, a trie-shaped regular
expression does the same job several times slower. Matching is leftmost-longest, which is what we want: 不过
(but) wins over 不 (not); 英伟达股价 yields 英伟达 then 股价.

Case: the text and the terms are lower-cased for ASCII letters only (offsets do not move); terms declared
`exact` are then checked against the text as written (Arm vs arm).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

try:  # pragma: no cover - exercised by whichever backend is installed
    import ahocorasick_rs
except ImportError:  # pragma: no cover
    ahocorasick_rs = None  # type: ignore[assignment]  # optional: the regex backend below takes over

_ASCII_LOWER = str.maketrans({c: c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"})
# Word-boundary classes: a Latin alias must not sit inside a longer word (Intel in Intelligence), a katakana
# alias not inside a longer katakana word (チップ in ポテトチップス).
# Sets of characters rather than regular expressions: the scan tests one character, and `in` on a set is
# several times cheaper than a pattern's match().
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_"
_LATIN = frozenset(_LETTERS + "0123456789")
# After an alias that ends in a letter a digit may follow (HBM3E, CUDA12); after one that ends in a digit it
# may not (H20 is not the start of H200).
_LATIN_LETTER = frozenset(_LETTERS)
_KATAKANA = frozenset([*map(chr, range(0x30A1, 0x30FB)), "\u30fc"])
# Characters that no other character lower-cases to and that have no case of their own: CJK symbols and
# punctuation, kana and CJK ideographs (U+3000-U+9FFF: checked over all of Unicode), ASCII digits and signs.
# A term made of them only matches text written exactly like it, so its hits can take the term as their text.
_CASELESS = re.compile(r"[\u3000-\u9fff\x00-\x40\x5b-\x60\x7b-\x7f]+")


class Role:
    """What a matched term means: kind is "entity", "topic", "bullish"...; value the canonical name or id."""

    __slots__ = ("flag", "kind", "value")

    def __init__(self, kind: str, value: str = "", flag: str = "") -> None:
        self.kind, self.value, self.flag = kind, value, flag

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Role) and (self.kind, self.value, self.flag) == (
            other.kind,
            other.value,
            other.flag,
        )

    def __hash__(self) -> int:
        return hash((self.kind, self.value, self.flag))

    def __repr__(self) -> str:
        return f"Role({self.kind!r}, {self.value!r}, {self.flag!r})"


class Hit(NamedTuple):
    """One matched term: offsets in the document, the text as written, its roles, the set of role kinds, and
    the canonical name of its first entity role ("" when it names no entity: the hot loops read it often)."""

    start: int
    end: int
    text: str
    roles: tuple[Role, ...]
    kinds: frozenset[str]
    entity: str = ""
    topics: tuple[str, ...] = ()  # topic ids of its topic roles
    strong: bool = False  # a strong AI-chip word (GPU, 算力), not an everyday one (chip)


# Building the tuple directly skips NamedTuple's keyword handling: the scan creates hundreds of hits per
# document and this is its hottest line.
_new_hit = tuple.__new__
_Info = tuple[tuple[Role, ...], frozenset[str], str, tuple[str, ...], bool]


def _info(roles: tuple[Role, ...]) -> _Info:
    """What every hit of a term carries besides its place: roles, role kinds, first entity name, topic ids,
    strong AI-chip word or not. Worked out once per term, so per-sentence code reads fields, not roles."""
    entity = next((r.value for r in roles if r.kind == "entity"), "")
    topics = tuple(dict.fromkeys(r.value for r in roles if r.kind == "topic"))
    strong = any(r.kind == "domain" and r.flag == "strong" for r in roles)
    return roles, frozenset(r.kind for r in roles), entity, topics, strong


class _Entry:
    """Everything known about one lower-cased term, precomputed so the scan does no work per role."""

    __slots__ = ("exact", "folded", "left", "length", "right", "tail")

    def __init__(self, key: str) -> None:
        self.length = len(key)
        self.left = _boundary(key[0])
        self.right = _boundary(key[-1])
        if self.right is _LATIN and not key[-1].isdigit():
            self.right = _LATIN_LETTER
        self.folded: _Info | None = None
        self.exact: dict[str, _Info] = {}
        # Set by Lexicon.compile for a term with no word boundary to check and no case variant (most CJK
        # terms): everything a hit holds after its offsets, the term itself standing for the text as written.
        self.tail: tuple[Any, ...] | None = None


def _boundary(ch: str) -> frozenset[str] | None:
    if ch in _LATIN:
        return _LATIN
    if ch in _KATAKANA:
        return _KATAKANA
    return None


def _trie_pattern(terms: list[str]) -> str:
    root: dict[str, dict] = {}
    for term in terms:
        node = root
        for ch in term:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _node_pattern(root)


def _node_pattern(node: dict[str, dict]) -> str:
    branches = [re.escape(ch) + _node_pattern(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:
        # The longer term is tried first; the term ending here is the fallback.
        return "(?:" + body + ")?"
    return body


class Lexicon:
    """Terms -> roles. `exact` terms must match with their case (Arm, Meta); others ignore ASCII case."""

    def __init__(self) -> None:
        self._folded: dict[str, list[Role]] = {}
        self._exact: dict[str, list[Role]] = {}
        self._entries: dict[str, _Entry] = {}
        self._automaton: Any = None
        self._by_index: list[_Entry] = []
        self._tails: list[tuple[Any, ...] | None] = []
        self._pattern: re.Pattern[str] | None = None
        self._index: dict[str, int] = {}

    def add(self, term: str, role: Role, *, exact: bool = False) -> None:
        term = term.strip()
        if not term:
            return
        table, key = (self._exact, term) if exact else (self._folded, term.translate(_ASCII_LOWER))
        roles = table.setdefault(key, [])
        if role not in roles:
            roles.append(role)
        self._entries = {}

    def add_variants(self, forms: Callable[[str], set[str]]) -> None:
        """Give every term's other written forms (`forms(term)`: e.g. its traditional-script spellings) the
        term's roles. A form that is a term already keeps its own roles and gains these."""
        for table in (self._folded, self._exact):
            for key, roles in list(table.items()):
                for form in forms(key):
                    target = table.setdefault(form if table is self._exact else form.translate(_ASCII_LOWER), [])
                    target.extend(r for r in roles if r not in target)
        self._entries = {}

    def inherit_contained_roles(self, *, skip: frozenset[str] = frozenset()) -> None:
        """A term also carries the roles of the shorter terms written inside it.

        Leftmost-longest matching would otherwise hide them: 輸出規制 (export controls, a topic) contains 規制
        (regulation, a bearish cue); 大幅下降 contains 下降. Roles whose kind is in `skip` (negators) are not
        passed on: 并非 does not contain a negation called 非, it is one. A term with a role of kind "plain"
        (不断, 未来) inherits nothing: that is why it is listed.
        """
        keys = set(self._folded)
        polar = frozenset({"bullish", "bearish"})
        for key, roles in self._folded.items():
            if any(r.kind == "plain" for r in roles) or len(key) < 3:
                continue
            # A term with a polarity of its own keeps it: 不好用 (bad to use) does not inherit 好用 (good).
            own_skip = skip | polar if any(r.kind in polar for r in roles) else skip
            inherited = [
                role
                for i in range(len(key))
                for j in range(i + 1, len(key) + 1)
                if (i, j) != (0, len(key)) and key[i:j] in keys
                for role in self._folded[key[i:j]]
                if role.kind not in own_skip and role not in roles
            ]
            for role in inherited:
                if role not in roles:
                    roles.append(role)
        self._entries = {}

    def compile(self, *, backend: str = "auto") -> None:
        entries: dict[str, _Entry] = {}
        for key, roles in self._folded.items():
            entries.setdefault(key, _Entry(key)).folded = _info(tuple(roles))
        for term, roles in self._exact.items():
            entries.setdefault(term.translate(_ASCII_LOWER), _Entry(term)).exact[term] = _info(tuple(roles))
        # An exact term that is also a folded term: the exact reading adds to the folded one.
        for entry in entries.values():
            if entry.folded is not None:
                for term, (exact_roles, *_derived) in list(entry.exact.items()):
                    merged = entry.folded[0] + tuple(r for r in exact_roles if r not in entry.folded[0])
                    entry.exact[term] = _info(merged)
        for key, entry in entries.items():
            plain = entry.left is None and entry.right is None and not entry.exact
            if plain and entry.folded is not None and _CASELESS.fullmatch(key):
                entry.tail = (key, *entry.folded)
        self._entries = entries
        keys = list(entries)
        # Both backends report a match as the index of its term in `keys`.
        self._by_index = [entries[key] for key in keys]
        self._tails = [entry.tail for entry in self._by_index]
        if backend in ("auto", "ahocorasick") and ahocorasick_rs is not None:
            # The DFA takes a few milliseconds more to build than the NFA, once per process, and scans faster.
            self._automaton = ahocorasick_rs.AhoCorasick(
                keys,
                matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
                implementation=ahocorasick_rs.Implementation.DFA,
            )
            self._pattern = None
        else:
            self._automaton = None
            self._pattern = re.compile(_trie_pattern(sorted(entries)))
            self._index = {key: i for i, key in enumerate(keys)}

    def scan(self, text: str) -> list[Hit]:
        """Every term in `text`, leftmost-longest, in order."""
        if not self._entries:
            self.compile()
        lowered = text.lower()
        if len(lowered) != len(text):
            # A few non-ASCII letters grow when lower-cased (İ); fall back to the length-preserving map.
            lowered = text.translate(_ASCII_LOWER)
        n = len(text)
        hits: list[Hit] = []
        by_index, tails = self._by_index, self._tails
        # Locals, not module globals: compiled code looks a global up in the module dict on every use.
        new_hit, hit_type = _new_hit, Hit
        if self._automaton is not None:
            # Offsets are in characters: the extension maps them back from UTF-8 bytes itself.
            matches: Iterable[tuple[int, Any, Any]] = self._automaton.find_matches_as_indexes(lowered)
        else:
            assert self._pattern is not None
            index = self._index
            matches = [(index[m.group()], m.start(), m.end()) for m in self._pattern.finditer(lowered)]
        # start and end stay Python ints (Any): the compiled build would otherwise unbox them and allocate new
        # int objects for the hit, two per hit.
        start: Any
        end: Any
        for i, start, end in matches:
            tail = tails[i]
            if tail is not None:
                # The common case, a CJK term. Concatenating tuples is cheaper than unpacking into a new one.
                hits.append(new_hit(hit_type, (start, end) + tail))  # noqa: RUF005
                continue
            entry = by_index[i]
            left, right = entry.left, entry.right
            s: int = start
            e: int = end
            if (left is not None and s > 0 and text[s - 1] in left) or (
                right is not None and e < n and text[e] in right
            ):
                continue
            written = text[s:e]
            found = entry.exact.get(written) if entry.exact else None
            if found is None:
                found = entry.folded
                if found is None:
                    continue
            hits.append(new_hit(hit_type, (start, end, written) + found))  # noqa: RUF005
        return hits
