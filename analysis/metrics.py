"""What each number of a claim measures: `metric`, `period` and the `entity` it belongs to (issue 17, facts).

Called once per document by the engine, after the claims are chosen, so it never changes which sentences are
claims. Per quantity:

- metric: a unit that names one (GW is power, TFLOPS performance), else the nearest metric word the number's
  unit fits (vocab/facts.yaml): a strong word in the number's own clause, else a weak one there ("盘后跌3%"),
  else a strong word right after it ("467億ドルの売上高"), else a strong word in an earlier clause of the
  sentence ("营收467亿美元，同比增长56%"). A percentage on a money metric is its year-on-year change
  (`revenue_growth`); a sequential change, a share of a total, or a segment's figure (游戏业务营收) gets no
  metric. A revenue figure in a clause with a forecast word is `guidance`; a figure the analysts expected is
  `consensus`; other forecasts of a figure get no metric (a forecast margin is not the margin).
- entity: the entity named nearest before the metric word (a product keeps its own name, except for share
  moves and market value, which are its maker's), else the claim's first entity.
- period: the period written in the number's clause, else the nearest before it in the sentence, else the
  nearest after it; for a reported figure without one, the period the document is about (its title's, or the
  first a claim gave), and for guidance without one the quarter after it.
"""

from __future__ import annotations

import datetime as _dt
import operator
import re
import threading
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field

from .facts_vocab import CURRENCIES, FactsVocabulary, get_facts_vocabulary
from .lexicon import Hit
from .model import Claim, Quantity
from .normalize import normalize
from .periods import (
    RawPeriod,
    compile_period_pattern,
    fiscal_year_of,
    iter_periods,
    next_quarter,
    period_end,
    read_periods,
    resolve,
)

_START = operator.itemgetter(0)  # a Hit's start offset
# Money metrics whose percentage figure is a year-on-year change, named `<metric>_growth`.
_GROWTH_OF = frozenset({"revenue", "datacenter_revenue", "ai_revenue", "net_income", "operating_income", "capex"})
# Metrics of a reporting period: without a period of their own they take the one the document is about.
_PERIODIC = frozenset(
    {
        "revenue",
        "datacenter_revenue",
        "ai_revenue",
        "net_income",
        "operating_income",
        "eps",
        "gross_margin",
        "operating_margin",
        "net_margin",
        "opex",
        "export_value",  # a charge is booked in a quarter
    }
    | {f"{m}_growth" for m in _GROWTH_OF}
)
# Figures of a moment, not of a reporting period: no period is looked for.
_MOMENTS = frozenset({"share_price_move", "market_value", "market_value_change", "chip_price", "performance", "power"})
# Figures of a company, not of a product: a product's share move or market value is its maker's.
_MAKER_METRICS = frozenset({"share_price_move", "market_value", "market_value_change"})
# A product owns these figures when named right before the metric word ("Blackwell revenue", "H20收入").
_PRODUCT_METRICS = frozenset({"revenue", "datacenter_revenue", "ai_revenue", "units", "chip_price", "orders"})
_PRODUCT_REACH = 12
# Figures a segment can have ("游戏业务营收", "China revenue"); an export ban on China is not a China segment.
_SEGMENTABLE = frozenset(
    {"revenue", "net_income", "operating_income", "gross_margin", "operating_margin", "net_margin"}
)
# Revenue of a segment that has a metric of its own.
_SEGMENT_REVENUE = frozenset({"datacenter_revenue", "ai_revenue"})
# Metrics a forecast word does not turn into something else: a capex plan or an order is itself the fact.
_FORECAST_KEEPS = frozenset({"capex", "orders", "units", "market_share", "chip_price", "export_value", "power"})
_BREAK = re.compile("[，,；;。、:：\n]")
_BRACKET = re.compile(r"\s?[(（][^()（）]{1,24}[)）]")
# How far after a number a metric word (ja: 467億ドルの売上高) or an "expected" may stand.
_AFTER_WINDOW = 12
# How much of the document's start is read for the period it reports on.
_LEAD_CHARS = 400
# Periods a title or lead names as what it reports on (a calendar year there is mostly a date's).
_LEAD_KINDS = frozenset({"fq", "q", "cq", "months", "fy_end", "fy_start", "fy"})
_SEGMENT_WINDOW = 12


def unit_class(unit: str, vocab: FactsVocabulary) -> str | None:
    """money, pct, x, count, power or flops; None for units no metric counts (tokens, parameters)."""
    if unit in CURRENCIES:
        return "money"
    if unit in ("%", "pp"):
        return "pct"
    if unit == "x":
        return "x"
    if unit in vocab.chip_counts:
        return "count"
    if unit in ("GW", "MW", "kW"):
        return "power"
    if unit == "TFLOPS":
        return "flops"
    return None


@dataclass(slots=True)
class _Word:
    start: int
    end: int
    kind: str
    value: str
    strong: bool


@dataclass(slots=True)
class DocumentContext:
    """What the document is about, for figures whose sentence leaves it out."""

    published: _dt.date | None
    period: str | None = None  # the period of the document's first dated figure (or its title's)
    period_fixed: bool = False
    main: str = ""  # the document's main entity: the owner of figures in claims that name none
    kinds: dict[str, str] = field(default_factory=dict)
    hits: Sequence[Hit] = ()
    parents: dict[str, str] = field(default_factory=dict)
    _chip_main: str | None = None
    lead: tuple[str, str, str] | None = None  # (title, the document's first characters, its owner): read once

    def read_lead(self, vocab: FactsVocabulary, pattern: re.Pattern[str]) -> None:
        """The period the title, else the lead, names (what the piece reports on) is the document's, unless a
        claim named one first. Read on first need: most documents never ask."""
        if self.lead is None:
            return
        title, lead, owner = self.lead
        self.lead = None
        if self.period_fixed:
            return
        for text, kinds in ((title, _LEAD_KINDS), (lead, _LEAD_KINDS)):
            for raw in iter_periods(text, pattern, vocab.quarter_numbers) if text else ():
                if raw.kind in kinds:
                    period = _resolve(raw, "", owner, vocab, self, self.parents)
                    if period:
                        self.period, self.period_fixed = period, True
                        return

    def chip_main(self) -> str:
        """The chip company the document names most (a share move reported in a piece about an AI lab is the
        chipmaker's); worked out on first use only."""
        if self._chip_main is None:
            counts: dict[str, int] = {}
            for h in self.hits:
                if h.entity:
                    name = self.parents.get(h.entity, h.entity)
                    if self.kinds.get(name) == "chip":
                        counts[name] = counts.get(name, 0) + 1
            self._chip_main = max(counts, key=lambda n: counts[n]) if counts else ""
        return self._chip_main


class _Patterns:
    """The period pattern, compiled once per fact vocabulary."""

    _lock = threading.Lock()
    _for: tuple[FactsVocabulary, re.Pattern[str]] | None = None

    @classmethod
    def period(cls, vocab: FactsVocabulary) -> re.Pattern[str]:
        cached = cls._for
        if cached is None or cached[0] is not vocab:
            with cls._lock:
                cached = cls._for = (vocab, compile_period_pattern(vocab))
        return cached[1]


def attach_facts(
    claims: Sequence[Claim],
    text: str,
    norm: str,
    hits: Sequence[Hit],
    *,
    title: str | None = None,
    published: _dt.date | None = None,
    parents: dict[str, str] | None = None,
    kinds: dict[str, str] | None = None,
    main: str = "",
) -> None:
    """Sets metric, period and entity on the quantities of `claims` (claims of `text`, in document order;
    `norm` its normalised form, `hits` the engine's lexicon hits over it; `parents` product -> maker, `kinds`
    entity -> chip|context, `main` the document's main entity). Quantities with no metric stay bare."""
    if not any(c.quantities for c in claims):
        return
    vocab = get_facts_vocabulary()
    pattern = _Patterns.period(vocab)
    parents = parents or {}
    context = DocumentContext(published=published, main=main, kinds=kinds or {}, hits=hits, parents=parents)
    context.lead = (normalize(title) if title else "", norm[:_LEAD_CHARS], main or _main_owner(claims))
    cursor = 0
    for claim in claims:
        found = text.find(claim.text, cursor)
        if found < 0:
            continue
        cursor = found
        if not claim.quantities:
            continue
        end = found + len(claim.text)
        lo, hi = bisect_left(hits, found, key=_START), bisect_left(hits, end, key=_START)
        entity_hits = [(h.start - found, h.entity) for h in hits[lo:hi] if h.entity and h.end <= end]
        _attach_claim(claim, norm[found:end], entity_hits, vocab, pattern, context, parents)


def _main_owner(claims: Sequence[Claim]) -> str:
    for claim in claims:
        if claim.entities:
            return claim.entities[0]
    return ""


def _attach_claim(
    claim: Claim,
    sentence: str,
    entity_hits: list[tuple[int, str]],
    vocab: FactsVocabulary,
    pattern: re.Pattern[str],
    context: DocumentContext,
    parents: dict[str, str],
) -> None:
    words = [
        _Word(h.start, h.end, r.kind, r.value, r.flag != "weak") for h in vocab.lexicon.scan(sentence) for r in h.roles
    ]
    if not any(w.kind == "metric" for w in words) and not any(q.unit in vocab.unit_metrics for q in claim.quantities):
        return  # no metric word and no unit that names one: no number here can get a metric
    breaks = [m.start() for m in _BREAK.finditer(sentence)]
    periods: list[RawPeriod] | None = None
    cursor = 0
    placed: list[tuple[Quantity, int, int]] = []
    for q in claim.quantities:
        at = claim.text.find(q.text, cursor)
        if at < 0:
            at = claim.text.find(q.text)
        if at < 0:
            continue
        cursor = at + len(q.text)
        placed.append((q, at, at + len(q.text)))
    starts = sorted(s for _, s, _ in placed)
    for q, start, end in placed:
        # (a conversion in brackets right after a figure, "NT$452.3 billion ($14.3 billion) in net income", does
        # not stand between the figure and its metric word)
        next_number = next(
            (
                s
                for s in starts
                if s > start and sentence[end:s].strip(" ") not in ("(", "（", "(约", "（约", "(約", "（約")
            ),
            len(sentence),
        )
        metric, metric_at = _metric(q, start, end, next_number, sentence, words, breaks, vocab, starts)
        if metric is None:
            continue
        q.metric = metric
        entity = _entity(claim, metric_at if metric_at is not None else start, entity_hits, metric, parents, context)
        q.entity = entity or None
        if metric in _MOMENTS:
            continue  # a price or value of a moment: the window of the caller dates it, not a reporting period
        if periods is None:
            periods = read_periods(sentence, pattern, vocab.quarter_numbers)
        q.period = _period(q, start, periods, breaks, words, vocab, context, parents)
        if q.period and metric in _PERIODIC and _is_future(q.period, q.entity or "", vocab, context, parents):
            # A figure for a period not yet over is a forecast: revenue is guidance, the rest no fact.
            q.metric = "guidance" if metric == "revenue" else None
            if q.metric is None:
                q.period = q.entity = None


def _clause_start(breaks: list[int], position: int) -> int:
    i = bisect_left(breaks, position)
    return breaks[i - 1] + 1 if i else 0


def _clause_end(breaks: list[int], position: int, length: int) -> int:
    i = bisect_left(breaks, position)
    return breaks[i] if i < len(breaks) else length


def _metric(
    q: Quantity,
    start: int,
    end: int,
    next_number: int,
    sentence: str,
    words: list[_Word],
    breaks: list[int],
    vocab: FactsVocabulary,
    quantity_starts: list[int],
) -> tuple[str | None, int | None]:
    """(metric, where its word starts) for the quantity at sentence[start:end]."""
    kind = unit_class(q.unit, vocab)
    if kind is None:
        return None, None
    if q.unit in vocab.unit_metrics:
        return vocab.unit_metrics[q.unit], None
    fits = [w for w in words if w.kind == "metric" and kind in vocab.metric_units.get(w.value, ())]
    if not fits and not any(w.kind == "consensus" for w in words):
        return None, None  # the common case for a claim's second or third number: decided before any slicing
    clause = _clause_start(breaks, start)
    # a conversion in brackets right after the figure ("5890億ドル(約91兆2000億円)の減少") is skipped over
    bracket = _BRACKET.match(sentence, end)
    if bracket is not None:
        end = bracket.end()
        next_number = min((s for s in quantity_starts if s >= end), default=len(sentence))
    clause_end = _clause_end(breaks, end, len(sentence))
    after_end = min(clause_end, next_number, end + _AFTER_WINDOW)
    before = [w for w in words if w.end <= start]
    in_clause = [w for w in before if w.start >= clause]
    after = [w for w in words if end <= w.start < after_end]
    has = {w.kind for w in in_clause} | {w.kind for w in after}
    latin_after = any(w.kind == "consensus" and sentence[w.start : w.end].isascii() for w in after)
    # Analysts' figure: "超出市场预期的462亿美元", "vs. $46.06 billion expected".
    last_metric_at = max((w.start for w in in_clause if w.kind == "metric"), default=-1)
    if latin_after or any(w.kind == "consensus" and w.start > last_metric_at for w in in_clause):
        return ("consensus", None) if kind == "money" else (None, None)
    chosen = _nearest(fits, clause, start, end, after_end)
    if chosen is None:
        return None, None
    metric = chosen.value
    if metric == "revenue":
        # "Data Center products, which brought in $41.1 billion in sales": a segment metric named earlier in the
        # sentence, with no other figure between, makes the revenue that segment's.
        segment = [w for w in fits if w.kind == "metric" and w.value in _SEGMENT_REVENUE and w.end <= start]
        if segment and not any(segment[-1].end <= s < start for s in quantity_starts):
            metric = segment[-1].value
    if metric == "revenue" and kind == "money" and any(w.kind == "share_of" and w.start >= end for w in words):
        return None, None  # "売上高は411億ドルと、全体の約88%を占め": a part of the revenue, not all of it
    if metric == "market_value" and "value_change" in has:
        metric = "market_value_change"
    # A segment's figure ("游戏业务营收", "China revenue", "revenue from gaming") is not the company's.
    seg_from = max(clause, chosen.start - _SEGMENT_WINDOW)
    if metric in _SEGMENTABLE and any(
        w.kind == "segments" and seg_from <= w.start < start and not chosen.start <= w.start < chosen.end for w in words
    ):
        return None, None
    if kind == "pct" and metric in _GROWTH_OF:
        if not has.isdisjoint(("sequential", "share_of", "guidance")):
            return None, None
        return f"{metric}_growth", chosen.start
    if kind == "pct" and "share_of" in has:
        return None, None
    if "guidance" in has and metric not in _FORECAST_KEEPS:
        return ("guidance", chosen.start) if metric == "revenue" and kind == "money" else (None, None)
    if "sequential" in has and kind == "pct":
        return None, None
    return metric, chosen.start


def _nearest(fits: list[_Word], clause: int, start: int, end: int, after_end: int) -> _Word | None:
    """A strong word in the number's clause, else right after it, else in an earlier clause ("Revenue was
    $46.7 billion, up 56%"), else a weak word in its clause ("Nvidia fell 3%")."""
    own = [w for w in fits if clause <= w.start and w.end <= start]
    strong = [w for w in own if w.strong]
    if strong:
        return strong[-1]
    following = [w for w in fits if end <= w.start < after_end and w.strong]
    if following:
        return following[0]
    earlier = [w for w in fits if w.end <= clause and w.strong]
    if earlier:
        return earlier[-1]
    return own[-1] if own else None


def _entity(
    claim: Claim,
    position: int,
    entity_hits: list[tuple[int, str]],
    metric: str,
    parents: dict[str, str],
    context: DocumentContext,
) -> str:
    """The owner of a figure: the entity named nearest before its metric word (a company; a product only for
    its own revenue named right before the word, "Blackwell revenue"), else the claim's first entity's company,
    else the document's main entity. A share move or market value is a listed chip company's when the sentence
    names one (not the AI lab that moved it)."""
    before = [(at, name) for at, name in entity_hits if at <= position]
    if before:
        at, name = before[-1]
        if name in parents and not (metric in _PRODUCT_METRICS and position - at <= _PRODUCT_REACH):
            name = parents[name]
    elif claim.entities:
        name = parents.get(claim.entities[0], claim.entities[0])
    else:
        return parents.get(context.main, context.main)
    if metric in _MAKER_METRICS:
        name = parents.get(name, name)
        if context.kinds.get(name) != "chip":
            chip = next(
                (parents.get(n, n) for n in claim.entities if context.kinds.get(parents.get(n, n)) == "chip"), ""
            )
            if not chip:
                chip = context.chip_main()
            name = chip or name
    return name


def _period(
    q: Quantity,
    start: int,
    periods: list[RawPeriod],
    breaks: list[int],
    words: list[_Word],
    vocab: FactsVocabulary,
    context: DocumentContext,
    parents: dict[str, str],
) -> str | None:
    clause, clause_end = _clause_start(breaks, start), _clause_end(breaks, start, 1 << 30)
    own = [p for p in periods if clause <= p.start and p.end <= clause_end]
    raw: RawPeriod | None = None
    if own:
        raw = min(own, key=lambda p: abs(p.start - start))
    else:
        earlier = [p for p in periods if p.end <= start]
        raw = earlier[-1] if earlier else None
    metric = q.metric or ""
    if raw is not None:
        if not context.period_fixed:
            context.read_lead(vocab, _Patterns.period(vocab))  # the title's or lead's period comes first
        period = _resolve(raw, q.entity or "", "", vocab, context, parents)
        if period and not context.period_fixed and metric != "guidance":
            context.period, context.period_fixed = period, True
        return period
    relative = {w.kind for w in words if w.kind in ("next_period", "this_period")}
    if metric == "guidance" or "next_period" in relative:
        context.read_lead(vocab, _Patterns.period(vocab))
        return next_quarter(context.period) if context.period else None
    if metric in _PERIODIC:
        context.read_lead(vocab, _Patterns.period(vocab))
        return context.period
    return None


def _is_future(
    period: str, entity: str, vocab: FactsVocabulary, context: DocumentContext, parents: dict[str, str]
) -> bool:
    """Does `period` end after the month the document was published in?"""
    if context.published is None or not (entity or context.main):
        return False
    owner = parents.get(entity, entity) or context.main
    end = period_end(period, vocab.fiscal_year_end.get(owner, 12))
    return end is not None and end > context.published.year * 12 + context.published.month - 1


def _resolve(
    raw: RawPeriod,
    entity: str,
    fallback_entity: str,
    vocab: FactsVocabulary,
    context: DocumentContext,
    parents: dict[str, str],
) -> str | None:
    owner = entity or fallback_entity
    owner = parents.get(owner, owner)
    year_end = vocab.fiscal_year_end.get(owner, 12)
    context_year = fiscal_year_of(context.period) if context.period and raw.kind in ("fq", "q") else None
    return resolve(raw, year_end, context.published, context_year)
