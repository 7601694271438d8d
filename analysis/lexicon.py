"""One-pass multi-term matcher: every vocabulary term compiled into a single trie-shaped regex.

Python's `re` tries alternatives one after another; a trie-shaped pattern shares prefixes, so at each text
position only the branches whose first character matches are tried, and one `finditer` over the document finds
every alias, cue and negator at once (no per-alias loop). Matching is leftmost-longest along the trie,
which is what we want: 不过 (but) wins over 不 (not), 英伟达股价 yields 英伟达 then 股价.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# Word-boundary classes checked after a match (a lookbehind in the pattern would defeat the regex engine's
# first-character prefilter and make the scan several times slower).
_LATIN = re.compile(r"[A-Za-z0-9_]")
_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fc]")


@dataclass(frozen=True)
class Role:
    """What a matched term means: kind is "entity", "topic", "bullish"...; value the canonical name or id."""

    kind: str
    value: str = ""
    flag: str = ""


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    text: str
    roles: tuple[Role, ...]


def _boundary_class(ch: str) -> re.Pattern[str] | None:
    if _LATIN.fullmatch(ch):
        return _LATIN
    if _KATAKANA.fullmatch(ch):
        return _KATAKANA
    return None


def _trie_pattern(terms: Iterable[str]) -> str:
    root: dict[str, dict] = {}
    for term in terms:
        node = root
        for ch in term:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _node_pattern(root)


def _node_pattern(node: dict[str, dict]) -> str:
    terminal = "" in node
    branches = [re.escape(ch) + _node_pattern(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if terminal:
        # Optional continuation: the longer term is tried first, the shorter one is the fallback.
        return "(?:" + body + ")?" if len(branches) == 1 else body + "?"
    return body


class Lexicon:
    """Terms -> roles. `exact` terms must match with their case (Arm, Meta); others ignore case."""

    def __init__(self) -> None:
        self._folded: dict[str, list[Role]] = {}
        self._exact: dict[str, list[Role]] = {}
        self._pattern: re.Pattern[str] | None = None

    def add(self, term: str, role: Role, *, exact: bool = False) -> None:
        term = term.strip()
        if not term:
            return
        table, key = (self._exact, term) if exact else (self._folded, term.casefold())
        roles = table.setdefault(key, [])
        if role not in roles:
            roles.append(role)
        self._pattern = None

    def compile(self) -> None:
        keys = {k.casefold() for k in self._exact} | set(self._folded)
        # Longest-first inside the trie is implicit; IGNORECASE lets one trie serve both tables.
        self._pattern = re.compile(_trie_pattern(sorted(keys)), re.IGNORECASE)

    def scan(self, text: str) -> Iterator[Hit]:
        if self._pattern is None:
            self.compile()
        assert self._pattern is not None
        exact, folded = self._exact, self._folded
        n = len(text)
        for m in self._pattern.finditer(text):
            s = m.group()
            roles = exact.get(s, []) + folded.get(s.casefold(), [])
            if not roles:
                continue
            start, end = m.span()
            cls = _boundary_class(s[0])
            if cls is not None and start > 0 and cls.fullmatch(text[start - 1]):
                continue
            cls = _boundary_class(s[-1])
            if cls is not None and end < n and cls.fullmatch(text[end]):
                continue
            yield Hit(start, end, s, tuple(roles))
