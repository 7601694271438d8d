"""The fact vocabulary (vocab/facts.yaml) compiled once: metric, segment, forecast and period words.

Kept apart from the claim vocabulary on purpose: its words are matched on claim sentences only, after the
engine has decided what is a claim, so adding one never changes which sentences are claims.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from .lexicon import Lexicon, Role
from .vocabulary import _traditional_forms

# Units of a quantity, grouped by what a metric word can name.
CURRENCIES = frozenset({"USD", "CNY", "JPY", "TWD", "KRW", "HKD", "EUR"})
# Word kinds of the fact lexicon besides "metric".
MARKER_KINDS = (
    "sequential",
    "share_of",
    "guidance",
    "consensus",
    "segments",
    "next_period",
    "this_period",
    "value_change",
)


@dataclass(frozen=True)
class FactsVocabulary:
    lexicon: Lexicon  # roles: metric (value = metric, flag strong|weak) and the MARKER_KINDS
    metric_units: dict[str, frozenset[str]]  # metric -> unit classes it can name
    unit_metrics: dict[str, str]  # GW -> power
    chip_counts: frozenset[str]
    fiscal_year_end: dict[str, int]  # entity -> month its fiscal year ends
    quarter_numbers: dict[str, int]
    fiscal_year_words: tuple[str, ...]
    fiscal_quarter_words: tuple[str, ...]
    calendar_quarter_words: tuple[str, ...]
    ja_quarter_words: tuple[str, ...]
    events: Lexicon  # roles: event (value = event id), for claims without a figure
    event_order: tuple[str, ...]  # of several events in one sentence, the first listed wins


_lock = threading.Lock()
_cached: FactsVocabulary | None = None


def get_facts_vocabulary() -> FactsVocabulary:
    """The compiled fact vocabulary, built on first use behind a lock (thread-safe, like get_vocabulary)."""
    global _cached
    if _cached is None:
        with _lock:
            if _cached is None:
                text = (resources.files("chipwatch.analysis") / "vocab" / "facts.yaml").read_text(encoding="utf-8")
                # libyaml's loader when PyYAML has it, as vocabulary.py does: the pure-Python one took 0.18 s here
                loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
                _cached = build_facts_vocabulary(yaml.load(text, Loader=loader))
    return _cached


def build_facts_vocabulary(data: dict[str, Any]) -> FactsVocabulary:
    """Compiles a parsed facts.yaml (tests build variants of it)."""
    lex = Lexicon()
    metric_units: dict[str, frozenset[str]] = {}
    for metric, spec in data["metrics"].items():
        metric_units[metric] = frozenset(spec.get("units") or ())
        for strength in ("strong", "weak"):
            for word in spec.get(strength) or ():
                lex.add(str(word), Role("metric", metric, strength))
    for kind in MARKER_KINDS:
        for word in data.get(kind) or ():
            lex.add(str(word), Role(kind))
    lex.add_variants(_traditional_forms)
    lex.compile()
    events = Lexicon()
    for event, words in (data.get("events") or {}).items():
        for word in words:
            events.add(str(word), Role("event", str(event)))
    events.add_variants(_traditional_forms)
    events.compile()
    return FactsVocabulary(
        lexicon=lex,
        metric_units=metric_units,
        unit_metrics={str(k): str(v) for k, v in (data.get("unit_metrics") or {}).items()},
        chip_counts=frozenset(str(c) for c in data.get("chip_counts") or ()),
        fiscal_year_end={str(k): int(v) for k, v in (data.get("fiscal_year_end") or {}).items()},
        quarter_numbers={str(k).lower(): int(v) for k, v in data["quarter_numbers"].items()},
        fiscal_year_words=tuple(str(w) for w in data["fiscal_year_words"]),
        fiscal_quarter_words=tuple(str(w) for w in data["fiscal_quarter_words"]),
        calendar_quarter_words=tuple(str(w) for w in data["calendar_quarter_words"]),
        ja_quarter_words=tuple(str(w) for w in data["ja_quarter_words"]),
        events=events,
        event_order=tuple(str(e) for e in data.get("events") or ()),
    )
