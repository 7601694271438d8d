"""The engine's vocabulary: versioned YAML files under vocab/, read once and compiled into matchers.

Nothing here runs at import time; `get_vocabulary()` builds everything on first use behind a lock and every
later call (from any thread) gets the same immutable object.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from .lexicon import Lexicon, Role

_FILES = ("entities", "topics", "stance", "claims", "units", "boilerplate")


@dataclass(frozen=True)
class Vocabulary:
    lexicon: Lexicon
    entity_kind: dict[str, str]  # canonical name -> "chip" | "context"
    entity_parent: dict[str, str]  # product -> company that sells it (Blackwell -> NVIDIA)
    topic_ids: tuple[str, ...]
    boilerplate: LinePatterns
    list_header: re.Pattern[str]  # a line opening a list of links to other articles
    units: dict[str, Any]
    directional: re.Pattern[str]  # one alternation; group "bull_N" is bullish, "bear_N" bearish
    directional_hints: tuple[str, ...]  # the patterns are tried only on text holding one of these
    versions: dict[str, int] = field(default_factory=dict)


class LinePatterns:
    """Patterns each matched against a whole line (re.fullmatch); `matches(line)` says whether any does.

    A pattern written `.*(?:A|B).*` only says "the line holds A or B" and is searched for instead: fullmatch
    slides its .* back over the line trying the alternation at every character (~30% of the whole test), while
    a search skips to the alternatives' first characters in C. That holds for a line without a newline, which
    .* cannot cross; any other line is tested against all patterns as written."""

    __slots__ = ("_all", "_holds", "_whole")

    def __init__(self, patterns: list[str]) -> None:
        self._all = re.compile("|".join(f"(?:{p})" for p in patterns) or "(?!)")
        whole: list[str] = []
        holds: list[str] = []
        # (No split when a pattern captures: group numbers, and so backreferences, count across all of them.)
        for p in patterns:
            if not self._all.groups and p.startswith(".*(?:") and p.endswith(").*") and _is_group(p[2:-2]):
                holds.append(p)
            else:
                whole.append(p)
        self._whole = re.compile("|".join(f"(?:{p})" for p in whole) or "(?!)")
        self._holds = re.compile("|".join(p[2:-2] for p in holds) or "(?!)")

    def matches(self, line: str) -> bool:
        if "\n" in line:
            return self._all.fullmatch(line) is not None
        return self._whole.fullmatch(line) is not None or self._holds.search(line) is not None


def _is_group(text: str) -> bool:
    """Whether text is one non-capturing group, "(?:...)", and not "(?:a)|(?:b)" (whose inside, "a)|(?:b",
    does not compile)."""
    if not (text.startswith("(?:") and text.endswith(")")):
        return False
    try:
        re.compile(text[3:-1])
    except re.error:
        return False
    return True


_lock = threading.Lock()
_cached: Vocabulary | None = None


def get_vocabulary() -> Vocabulary:
    global _cached
    if _cached is None:
        with _lock:
            if _cached is None:
                _cached = _build(_read_all())
    return _cached


def _read_all() -> dict[str, dict[str, Any]]:
    base = resources.files("chipwatch.analysis") / "vocab"
    # libyaml's loader when PyYAML was built with it: the same result, several times faster at start-up.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return {name: yaml.load((base / f"{name}.yaml").read_text(encoding="utf-8"), Loader=loader) for name in _FILES}


def _flatten(groups: Any) -> list[str]:
    """Cue lists are written as one inner list per language; flatten them into one list of strings."""
    out: list[str] = []
    for item in groups or []:
        if isinstance(item, list):
            out.extend(str(x) for x in item)
        else:
            out.append(str(item))
    return out


@functools.lru_cache(maxsize=1)
def _converters() -> tuple[Any, ...]:
    """OpenCC simplified -> traditional, Taiwan and Hong Kong usage (character and phrase tables)."""
    import opencc

    return tuple(opencc.OpenCC(config) for config in ("s2tw", "s2hk", "s2twp"))


def _traditional_forms(term: str) -> set[str]:
    """The traditional-script forms of a term that holds Han characters (none for other terms)."""
    if not _HAN.search(term):
        return set()
    return {c.convert(term) for c in _converters()} - {term}


_HAN = re.compile(r"[\u4e00-\u9fff]")


def _build(data: dict[str, dict[str, Any]]) -> Vocabulary:
    lex = Lexicon()
    kinds: dict[str, str] = {}
    parents: dict[str, str] = {}
    for name, spec in data["entities"]["entities"].items():
        kinds[name] = spec.get("kind", "context")
        if spec.get("parent"):
            parents[name] = str(spec["parent"])
        for alias in spec.get("aliases", []):
            lex.add(str(alias), Role("entity", name))
        for alias in spec.get("exact", []):
            lex.add(str(alias), Role("entity", name), exact=True)
        for alias in spec.get("ambiguous", []):
            lex.add(str(alias), Role("entity", name, "ambiguous"))
        # The canonical name is always an alias of itself.
        lex.add(name, Role("entity", name), exact=name in spec.get("exact", []))
    for alias in _flatten(data["entities"].get("unlisted")):
        lex.add(alias, Role("unlisted"))

    topics = data["topics"]
    for strength in ("strong", "weak"):
        for cue in topics["domain_cues"][strength]:
            lex.add(str(cue), Role("domain", "", strength))
    for topic, groups in topics["topics"].items():
        for cue in _flatten(groups):
            lex.add(cue, Role("topic", topic))
    for cue in _flatten(topics.get("consumer_devices")):
        lex.add(cue, Role("consumer"))

    stance = data["stance"]
    for kind in ("bullish", "bearish", "negators_before", "negators_after", "hedges", "contrast"):
        for cue in _flatten(stance.get(kind)):
            lex.add(cue, Role(kind))
    for cue in _flatten(stance.get("not_negators")):
        lex.add(cue, Role("plain"))
    for cue in _flatten(data["claims"]["assertion_cues"]):
        lex.add(cue, Role("assertion"))
    for cue in _flatten(data["claims"].get("implicit_subject")):
        lex.add(cue, Role("subject"))
    for cue in _flatten(data["claims"].get("implicit_reference")):
        lex.add(cue, Role("reference"))
    # An indirect question ("讨论是否...") is a longer plain term: it hides the question word inside it.
    for cue in data["claims"].get("embedded_questions") or []:
        lex.add(str(cue), Role("plain"))
    for mood, cues in (data["claims"].get("non_assertive") or {}).items():
        for cue in cues:
            lex.add(str(cue), Role("mood", mood))
    # The vocabulary is written mostly in simplified script; Taiwan and Hong Kong write the same words in
    # traditional script (營收, 成長, 強勁, 收漲): every Chinese term gets those forms too, with the same roles.
    lex.add_variants(_traditional_forms)
    # Entities are not inherited: 阿里巴巴 is Alibaba, and the 阿里 inside it adds nothing.
    lex.inherit_contained_roles(skip=frozenset({"negators_before", "negators_after", "plain", "entity", "unlisted"}))
    lex.compile()

    boilerplate = LinePatterns([str(p) for p in data["boilerplate"]["line_patterns"]])
    list_header = re.compile("|".join(f"(?:{p})" for p in data["boilerplate"].get("list_headers") or ()) or "(?!)")
    # One alternation for all directional patterns, so a sentence is searched once, not once per pattern.
    patterns = stance.get("directional_patterns") or {}
    directional = re.compile(
        "|".join(
            f"(?P<{kind[:4]}_{i}>{p})" for kind in ("bullish", "bearish") for i, p in enumerate(patterns.get(kind, []))
        )
        or "(?!)"
    )
    return Vocabulary(
        lexicon=lex,
        directional=directional,
        directional_hints=tuple(str(h) for h in stance.get("directional_hints") or ()),
        entity_kind=kinds,
        entity_parent=parents,
        topic_ids=tuple(topics["topics"]),
        boilerplate=boilerplate,
        list_header=list_header,
        units=data["units"],
        versions={name: int(d.get("version", 0)) for name, d in data.items()},
    )
