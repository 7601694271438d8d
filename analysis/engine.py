"""analyze(): the claim engine's one public entry point. Pure: text in, DocumentAnalysis out, no I/O."""

from __future__ import annotations

import bisect
import re
from collections import deque
from dataclasses import dataclass

from .entities import entity_hits, ordered_unique
from .language import detect_language
from .lexicon import Hit
from .metrics import attach_facts
from .model import Claim, DocumentAnalysis
from .normalize import normalize
from .periods import as_date
from .quantities import NumberIndex, extract_quantities
from .scoring import BUSINESS_TOPICS, FIGURE_UNITS, Evidence, is_relevant, judge
from .sentences import quick_key, sentence_spans
from .stance import stance_parts
from .tables import NoteReader, Row, table_rows
from .vocabulary import Vocabulary, get_vocabulary

# Larger inputs are refused: no article is this long, and the caller gets a clear per-document error.
MAX_CHARS = 20_000_000
# A title is a short first line; longer first lines are body text.
_MAX_TITLE_CHARS = 120
# Share of characters that look like text (letters, digits, CJK, punctuation, spaces). Binary garbage
# decoded as text falls far below it.
_MIN_TEXT_SHARE = 0.6
# The ranges up front (CJK, kana, ASCII letters, digits, blanks) repeat part of \w\s: the regex engine tests all
# listed characters with one table look-up before any category, which makes the scan ~3x cheaper on CJK text.
_NOT_TEXTLIKE = re.compile(
    r"[^\u4e00-\u9fff\u3041-\u3096\u30a1-\u30fa\u30fc-\u30ffA-Za-z0-9_ \n"
    r"\w\s\u3000-\u303f\uff00-\uffef.,;:!?'\"()%$/+\-–—…“”‘’]"
)
_TEXT_SAMPLE = 4000
# Near-duplicate claims (a paragraph repeated with a few words spun differently) are compared on character
# bigrams; at or above this Jaccard similarity the later one is dropped.
_NEAR_DUP = 0.6
# Near-duplicates are looked for among the last claims kept only, so a huge input stays linear.
_NEAR_DUP_WINDOW = 64
_GATE_KINDS = frozenset({"entity", "domain", "subject", "reference", "unlisted"})
_GATE_KINDS_PRO_DROP = _GATE_KINDS | {"topic"}
# English does not drop subjects in grammar, but notes, call transcripts and forum posts do in practice, and a
# metric or period often stands as the subject ("Gross margins expanded to 39.5%", "forecast earnings of $0.62
# per share" after the company was named): the same rule, for sentences with no AI-chip word of their own.
_PRO_DROP_LANGUAGES = frozenset({"zh", "ja", "en"})
# How many lines after the one naming an entity a subjectless sentence may still refer to it.
_PRO_DROP_LINES = 2
# Stands in the "last named" list for a company the vocabulary knows but INTERFACES.md does not list:
# "同社" after it refers to that company, which gives a claim with no entity.
_UNLISTED = "\0unlisted"
# A sentence that ends with a question mark (closing quotes or brackets may follow) asks, it does not assert.
_QUESTION_MARKS = ("?", "？")
_CLOSERS = "”」』\"')）"
# Title mentions count this many times when choosing the document's main entity.
_TITLE_WEIGHT = 5
# An implicit subject ("Shares", "股价", "同社は") sits this close to the start of its sentence.
_SUBJECT_WINDOW = 24
# "5-7月期の売上高", "3Qの売上高", "第二财季的营收", "事業の売上高": a period or a business segment before the
# metric is not another owner; the figure is still the company's in context.
_PERIOD_OR_SEGMENT = re.compile(
    r"(?:\dQ|Q\d|四半期|月期|半期|通期|季度|财季|財季|季|财年|財年|年度|事業|部門|セグメント|业务|業務|部门)\s*[の的]\s*$"
)
# Subject words that also end compound names: only on their own do they mean the company in context.
_COMPOUND_HEADS = frozenset({"公司"})


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


# A pronoun or metric right after one of these opens a clause of its own: it is that clause's subject.
_CLAUSE_BREAKS = ("、", "，", ",", "；", ";")
# (not a pronoun: after a comma "it" / "它" points back into its own sentence, not to the company in context)
_PRONOUNS = frozenset({"它", "它们", "it", "its", "they"})
# ... or right after a reporting verb, where it is the subject of the reported clause: "Chief executive X said
# the company would raise capital spending", "首席执行官X表示，公司将...".
_REPORTED = re.compile(r"(?:\b(?:said|says|added|noted|expects|expected|warned)(?: that)?|表示|指出|称)[\s，,：:]*$")


# `text: object`, not str: a mypyc build checks argument types on entry and would raise TypeError before the
# ValueError below that callers catch per document.
def analyze(
    text: object, *, title: str | None = None, language: str | None = None, published: object = None
) -> DocumentAnalysis:
    """Claims about AI chips in one document.

    Empty or whitespace-only text, and binary garbage decoded as text, give a result with no claims
    (language "und" when nothing can be judged). Text longer than MAX_CHARS, or a value that is not a str,
    raises ValueError with a message the caller can report per document. Runs in time linear in the input.
    If `title` is None the first line, when short, is taken as the title; the title is never itself a claim.
    `published` (a date, datetime or ISO string) dates the document, for periods written without a year
    ("第二财季", "5-7月期"): see analysis/metrics.py.
    """
    if not isinstance(text, str):
        raise ValueError(f"analyze() needs text as str, got {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise ValueError(f"document too large: {len(text)} characters (limit {MAX_CHARS})")
    if not text.strip() or not _looks_like_text(text):
        return DocumentAnalysis(language=language or "und", title=title, entities=[], claims=[])

    vocab = get_vocabulary()
    norm = normalize(text)
    lang = language or detect_language(norm)
    title, skip_lines = _title(text, title)

    hits = vocab.lexicon.scan(norm)
    starts = [h.start for h in hits]
    on_topic = _on_topic(hits, vocab.entity_kind, norm)
    mentions = entity_hits(hits, allow_ambiguous=on_topic)
    doc_entities = ordered_unique(name for _, name in mentions)
    if not on_topic:
        return DocumentAnalysis(language=lang, title=title, entities=doc_entities, claims=[])

    numbers = NumberIndex(norm)
    title_end = _title_end(norm, skip_lines)
    main = _main_entity(mentions, vocab.entity_kind, title_end)
    claims: list[Claim] = []
    repeats = _Repeats(text, quick_key(title) if title else "")
    doc = _Document(text, norm, vocab, lang, numbers, repeats)
    # Table rows whose unit sits in a note or header (tables.py): judged as rows, not as sentences.
    rows = {row.start: row for row in table_rows(norm, text, _note_reader(vocab))}
    last_named: list[str] = []
    # Entities named so far (the title counts): "the company" can only refer back to one of them.
    mentioned = {name for hit, name in mentions if hit.start < title_end}
    # Most sentences hold no entity, AI-chip word or implicit subject, and for those the claim step would say
    # no at once: one pass over the hits gives where such "gate" terms sit, and a sentence without one is
    # skipped after two bisects, before any per-sentence structure is built.
    # Chinese and Japanese drop a subject the reader knows ("前年同期比28%増の180億ドルに達した"): there a business
    # topic word is a gate term too, and such a sentence may take the entity just named (see _claim).
    pro_drop = lang in _PRO_DROP_LANGUAGES
    gate_kinds = _GATE_KINDS_PRO_DROP if pro_drop else _GATE_KINDS
    gate_hits = [h for h in hits if not gate_kinds.isdisjoint(h.kinds)]
    core_starts = [h.start for h in gate_hits if not _GATE_KINDS.isdisjoint(h.kinds)] if pro_drop else []
    gate_starts = [h.start for h in gate_hits]
    # The title line is judged like any sentence: a headline that states a fact ("Micron rises after rating
    # upgrade", "キオクシアがストップ高") is a claim. It is exempt from the repeat check, which it anchors.
    marks = sorted({*gate_starts, *rows}) if rows else gate_starts
    spans = sentence_spans(norm, vocab.boilerplate, skip_lines=0, marks=marks, list_header=vocab.list_header)

    named_paragraph = -_PRO_DROP_LINES - 1  # where an entity was last named
    for start, end, paragraph in spans:
        if rows and start in rows:
            lo, hi = bisect.bisect_left(starts, start), bisect.bisect_left(starts, end)
            context = _context_entity(last_named, main, vocab.entity_parent)
            claim = _row_claim(doc, rows[start], hits[lo:hi], context if context != _UNLISTED else "")
            if claim is not None:
                repeats.keep(claim.entities)
                claims.append(claim)
            continue
        g = bisect.bisect_left(gate_starts, start)
        if g == len(gate_starts) or gate_starts[g] >= end:
            continue
        if gate_hits[g].end > end:  # a gate term running past the sentence end does not count
            g_end = bisect.bisect_left(gate_starts, end, g)
            if all(h.end > end for h in gate_hits[g:g_end]):
                continue
        near_named = paragraph - named_paragraph <= _PRO_DROP_LINES
        if pro_drop:
            c = bisect.bisect_left(core_starts, start)
            if (c == len(core_starts) or core_starts[c] >= end) and not (near_named and numbers.any_in(start, end)):
                continue  # only topic words: a candidate for a dropped subject alone, which needs both
        lo, hi = bisect.bisect_left(starts, start, 0, len(starts)), bisect.bisect_left(starts, end)
        sentence_hits = hits[lo:hi]
        # Hits never overlap (leftmost-longest), so only the last one can run past the sentence end.
        if sentence_hits and sentence_hits[-1].end > end:
            sentence_hits.pop()
        context = _context_entity(last_named, main if main in mentioned else "", vocab.entity_parent)
        candidate = _Candidate(start, end, sentence_hits, context, start >= title_end, pro_drop and near_named)
        claim, named = _claim(doc, candidate)
        if named:
            last_named = named
            mentioned.update(named)
            named_paragraph = paragraph
        if claim is None:
            continue
        repeats.keep(claim.entities)
        claims.append(claim)
    attach_facts(
        claims,
        text,
        norm,
        hits,
        title=title,
        published=as_date(published),
        parents=vocab.entity_parent,
        kinds=vocab.entity_kind,
        main=main,
    )
    return DocumentAnalysis(language=lang, title=title, entities=doc_entities, claims=claims)


class _Repeats:
    """Which sentences would only repeat the title or a claim kept just before (spun copies of a paragraph are
    common). Asked before quantities, stance and score are worked out."""

    def __init__(self, text: str, title_key: str) -> None:
        self.text = text
        self.title_key = title_key
        # Keys of the last claims kept, per entity list: only claims about the same entities repeat each other.
        self.recent: dict[tuple[str, ...], deque[str]] = {}
        self.grams_of: dict[str, set[str]] = {}
        self.last_key = ""

    def seen(self, start: int, end: int, entities: list[str]) -> bool:
        """Would text[start:end], as a claim about `entities`, only repeat the title or a recent claim?"""
        key = self.last_key = quick_key(self.text[start:end])
        if self.title_key and key == self.title_key:
            return True  # the title repeated in the body (an image caption, a share box) is still the title
        same_entities = self.recent.get(tuple(entities))
        return same_entities is not None and _near_duplicate(key, same_entities, self.grams_of)

    def keep(self, entities: list[str]) -> None:
        """The sentence last asked about became a claim about `entities` (every kept claim is asked first)."""
        group = tuple(entities)
        recent = self.recent.get(group)
        if recent is None:  # (not setdefault: that builds a deque on every call)
            recent = self.recent[group] = deque(maxlen=_NEAR_DUP_WINDOW)
        recent.append(self.last_key)


def _context_entity(last_named: list[str], main: str, parents: dict[str, str]) -> str:
    """Who "the company" / "股价" / "同社" refers to: the main entity if the last sentence that named entities
    named it, else the first entity that sentence named (a product stands for the company that sells it)."""
    if not last_named or (main and main in last_named):
        return main
    return parents.get(last_named[0], last_named[0])


@dataclass(slots=True)
class _Document:
    """What every candidate sentence of one document is judged against."""

    text: str
    norm: str
    vocab: Vocabulary
    lang: str
    numbers: NumberIndex
    repeats: _Repeats


@dataclass(slots=True)
class _Candidate:
    """One sentence span the gates let through. `check_repeats`: past the title, so a sentence that only
    repeats a claim already kept gives None. `dropped_subject`: the language drops known subjects and an entity
    was named just before, so a sentence with a business topic and a number but no subject word is about the
    entity in context."""

    start: int
    end: int
    hits: list[Hit]
    context: str  # the entity "the company" / "同社" would refer to, or "" (or _UNLISTED)
    check_repeats: bool
    dropped_subject: bool


def _claim(doc: _Document, candidate: _Candidate) -> tuple[Claim | None, list[str]]:
    """(the claim or None, the entities the sentence names)."""
    text, norm, vocab, lang, numbers = doc.text, doc.norm, doc.vocab, doc.lang, doc.numbers
    start, end, hits, context = candidate.start, candidate.end, candidate.hits, candidate.context
    repeats = doc.repeats if candidate.check_repeats else None
    dropped_subject = candidate.dropped_subject
    # One pass over the hits for everything the steps below read: most candidate sentences go on to be
    # judged, and one loop is cheaper than a comprehension per feature.
    # (flags rather than a union of the hits' kind sets: only these two questions are asked of it)
    topic_kind = False  # a business-topic word
    assertion_cue: str | None = None  # the first assertion word: a cue, and what judge() names
    cue_kind = False  # a bullish, bearish or assertion word: a checkable cue
    names: list[str] = []
    subject = False
    unlisted: Hit | None = None  # the first unlisted company named
    domain_cue: str | None = None  # the first AI-chip word, as written
    strong = False
    topic_set: set[str] = set()
    moods: set[str] = set()
    subject_word = ""  # the pronoun or metric that stands for the subject ("同社", "股价")
    other_subject = False  # a company of its own that no list names ("物流公司"): no dropped subject
    for h in hits:
        hit_kinds = h.kinds
        if not topic_kind and "topic" in hit_kinds:
            topic_kind = True
        if assertion_cue is None and "assertion" in hit_kinds:
            assertion_cue = h.text
            cue_kind = True
        elif not cue_kind and ("bullish" in hit_kinds or "bearish" in hit_kinds):
            cue_kind = True
        if "entity" in hit_kinds:
            name = h.entity
            if name not in names:
                names.append(name)
        elif not subject and "subject" in hit_kinds:
            subject = _implicit_subject(h, norm, start)
            if subject:
                subject_word = h.text
            elif h.text in _COMPOUND_HEADS:
                other_subject = True  # "物流公司的运费": the sentence has a subject, just not a listed one
        if "reference" in hit_kinds:
            subject = True
            subject_word = subject_word or h.text
        if unlisted is None and "unlisted" in hit_kinds:
            unlisted = h
        if "domain" in hit_kinds:
            if domain_cue is None:
                domain_cue = h.text
            strong = strong or h.strong
        if h.topics:
            topic_set.update(h.topics)
        if "mood" in hit_kinds:
            for r in h.roles:
                if r.kind == "mood":
                    moods.add(r.value)
    first = names
    if context == _UNLISTED:
        context = ""  # the company in context is one INTERFACES.md does not list
    own_subject = ""
    if not names and unlisted is not None:
        first = [_UNLISTED]
        # "寒武纪目前市值...", "北方华创:营收...": a company named in subject position is the subject.
        if unlisted.start - start <= _SUBJECT_WINDOW:
            subject, context, own_subject = True, "", unlisted.text
    # "The company guided...", "股价暴跌近17%": with a pronoun or bare metric as its subject, a sentence that
    # names no entity is about the entity in context.
    # With no entity in context at all (nothing listed named yet, not even in the title), "同社の株価" refers to
    # the company the piece is about, one the vocabulary does not list (a memory maker, a supplier): in a
    # document already about AI chips the sentence can still be a claim, with no entity.
    may_have_number = numbers.any_in(start, end)
    pro_drop = False  # the subject is the one the language dropped
    if (
        dropped_subject
        and not (subject or names or other_subject)
        and unlisted is None
        and context
        and topic_kind
        and (lang != "en" or domain_cue is None)
    ):
        subject = pro_drop = may_have_number
    unnamed = subject and not names and not context
    if names or not subject:
        context = ""
    # Cheap gates first, on what the scan already found: no entity, no AI-chip word and no business topic
    # means nothing about AI chips here.
    domain = domain_cue is not None
    if not names and not domain and not ((context or unnamed) and (topic_kind or may_have_number)):
        return None, first
    # Nothing checkable (no number, no move, decision or direction word): no claim, and no quantity parsing.
    # (Every directional pattern, "up 62%", contains a number.)
    if not may_have_number and not cue_kind:
        return None, first
    # Relevance before any parsing: with "a number may be here" standing in for the quantities, this gate
    # only lets through sentences the full judgement below could accept.
    topics = [t for t in vocab.topic_ids if t in topic_set] if topic_set else []
    entity_kind = vocab.entity_kind
    entity_kinds = [entity_kind.get(n, "context") for n in names]
    # A pronoun or bare metric as subject ("株価は18%下落", "It generated $5B") takes the entity in context when
    # the sentence has a business topic or a number of its own.
    inherited = [] if names or not context or not (topics or may_have_number) else [context]
    unnamed = unnamed and bool(topics or may_have_number)
    if not is_relevant(entity_kinds, domain, strong, topics, bool(inherited) or unnamed, may_have_number):
        return None, first
    if repeats is not None and repeats.seen(start, end, names or inherited):
        return None, first
    if "question" in moods or _is_question(norm, start, end):
        return None, first  # a question asserts nothing, whatever numbers it quotes (so they are not read)
    # A condition, an analogy or a feeling is a claim only with a number about a chipmaker.
    # (A strong AI-chip word stands in for the chipmaker: "if power stays the constraint, GPU shipments
    # could come in 10-20% below" is a forecast about the chip market.)
    if moods and not (strong or "chip" in entity_kinds):
        return None, first  # (before reading the numbers: they cannot help)
    quantities = extract_quantities(norm, text, start, end, language=lang, index=numbers) if may_have_number else []
    if moods and not quantities:
        return None, first
    if pro_drop and not any(q.unit in FIGURE_UNITS for q in quantities):
        return None, first  # a dropped subject is taken only for a money amount or a percentage
    # No number read and no cue: only a directional phrase ("up 5", "3%高") can still make it checkable.
    if not quantities and not cue_kind and not (may_have_number and vocab.directional.search(norm, start, end)):
        return None, first
    stance, cues, hedged = stance_parts(
        hits, norm, start, end, vocab.directional if may_have_number else None, vocab.directional_hints, text
    )
    # The gate above found the sentence relevant with "a number may be here"; the verdict needs it with the
    # quantities actually read, which only differs when none were.
    relevant = (
        bool(quantities)
        or not may_have_number
        or is_relevant(entity_kinds, domain, strong, topics, bool(inherited) or unnamed, False)
    )
    verdict = judge(
        Evidence(
            relevant,
            names,
            entity_kinds,
            inherited,
            unnamed,
            own_subject,
            subject_word,
            quantities,
            topics,
            cues,
            assertion_cue,
            domain_cue,
            strong,
            hedged,
            bool(moods),
        )
    )
    if not verdict.is_claim:
        return None, first
    claim = Claim(
        text=text[start:end].strip(),
        entities=names or inherited,
        topics=topics,
        stance=stance,
        quantities=quantities,
        score=verdict.score,
        notable=verdict.notable,
        why=verdict.why,
    )
    return claim, first


def _row_claim(doc: _Document, row: Row, hits: list[Hit], context: str) -> Claim | None:
    """A table row as a claim: its figures with the units of its table, about the entity its label names or
    else the entity in context (a results table is the company's own)."""
    vocab = doc.vocab
    names: list[str] = []
    topic_set: set[str] = set()
    domain_cue: str | None = None
    strong = False
    for h in hits:
        if "entity" in h.kinds and h.entity not in names:
            names.append(h.entity)
        if h.topics:
            topic_set.update(h.topics)
        if "domain" in h.kinds:
            domain_cue = domain_cue or h.text
            strong = strong or h.strong
    quantities = row.quantities
    if quantities is None:  # a fact-sheet line: its figures carry their own units
        quantities = extract_quantities(doc.norm, doc.text, row.start, row.end, language=doc.lang, index=doc.numbers)
        if not quantities:
            return None
    topics = [t for t in vocab.topic_ids if t in topic_set]
    if not topics and any(q.unit in FIGURE_UNITS and q.unit != "%" for q in quantities):
        topics = ["earnings"]  # money figures in a results table are the company's results
    inherited = [] if names or not context else [context]
    stance, cues, hedged = stance_parts(
        hits, doc.norm, row.start, row.end, vocab.directional, vocab.directional_hints, doc.text
    )
    kinds = [vocab.entity_kind.get(n, "context") for n in names]
    evidence = Evidence(
        True,
        names,
        kinds,
        inherited,
        not (names or inherited),
        "",
        row.label,
        quantities,
        topics,
        cues,
        None,
        domain_cue,
        strong,
        hedged,
        False,
    )
    verdict = judge(evidence)
    if not verdict.is_claim:
        return None
    return Claim(
        text=doc.text[row.start : row.end].strip(),
        entities=names or inherited,
        topics=topics,
        stance=stance,
        quantities=quantities,
        score=verdict.score,
        notable=verdict.notable,
        why=verdict.why,
    )


# (vocabulary, its note reader) for the vocabulary last used.
_notes_for: tuple[Vocabulary, NoteReader] | None = None


def _note_reader(vocab: Vocabulary) -> NoteReader:
    global _notes_for
    cached = _notes_for
    if cached is None or cached[0] is not vocab:
        cached = _notes_for = (vocab, NoteReader(vocab.units))
    return cached[1]


def _is_question(norm: str, start: int, end: int) -> bool:
    """Does norm[start:end] end in a question mark, closers after it aside? (What the regex
    [?？][”」』"')）]*$ finds, without scanning the sentence for question marks.)"""
    sentence = norm[start:end]
    if sentence.rstrip(_CLOSERS).endswith(_QUESTION_MARKS):
        return True
    # `$` also matches just before a final newline.
    return sentence.endswith("\n") and sentence[:-1].rstrip(_CLOSERS).endswith(_QUESTION_MARKS)


def _implicit_subject(hit: Hit, norm: str, start: int) -> bool:
    """Is this hit a pronoun or bare metric in subject position ("Shares rose", "股价暴跌", "同社は")?"""
    if "subject" not in hit.kinds:
        return False
    if hit.text in _COMPOUND_HEADS and hit.start > start and _is_han(norm[hit.start - 1]):
        return False  # "火车公司", "科技公司": some company of that kind, not the one in context
    if (
        hit.start - start > _SUBJECT_WINDOW
        and (
            hit.text.lower() in _PRONOUNS
            or not norm[max(start, hit.start - 2) : hit.start].rstrip().endswith(_CLAUSE_BREAKS)
        )
        and not _REPORTED.search(norm, max(start, hit.start - 16), hit.start)
    ):
        return False  # not near the start, nor opening a clause ("…鈍化しており、株価は18%下落した"), nor reported
    # "思科的股价", "ソフトバンクGの株価", "Oracle's shares": a metric with a named owner refers to that
    # owner, not to the entity in context. After punctuation ("，的股价", a name the spinner deleted) it
    # still does.
    before = norm[max(start, hit.start - 3) : hit.start]
    if before.endswith(("'s ", "’s ")):
        return False
    if before.endswith("向けの"):
        return True  # "AI向けの売上高": revenue *for* AI, not someone's revenue
    if _PERIOD_OR_SEGMENT.search(norm, max(start, hit.start - 8), hit.start):
        return True  # "3Qの売上高", "5-7月期の売上高", "数据中心业务的营收": the company's own figure
    before = before[-2:]
    return not (before.endswith(("的", "の")) and before[:1].isalnum())


def _looks_like_text(text: str) -> bool:
    sample = text[:_TEXT_SAMPLE]
    return len(_NOT_TEXTLIKE.findall(sample)) <= (1 - _MIN_TEXT_SHARE) * len(sample)


# A line between any of the breaks str.splitlines() knows.
_LINE_TEXT = re.compile(r"[^\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")


def _title(text: str, given: str | None) -> tuple[str | None, int]:
    """(title, number of leading lines that are the title and must not become claims)."""
    lines = []
    # The first two non-blank lines, found without splitting the whole document.
    for match in _LINE_TEXT.finditer(text):
        line = match.group().strip()
        if line:
            lines.append(line)
            if len(lines) == 2:
                break
    first_line = lines[0] if lines else ""
    if given is not None:
        skip = 1 if first_line and quick_key(first_line) == quick_key(given) else 0
        return given, skip
    # A one-line text (a feed item, a post) is all body: its only line is not taken as a title.
    if len(lines) == 2 and len(first_line) <= _MAX_TITLE_CHARS:
        return first_line, 1
    return None, 0


def _title_end(norm: str, skip_lines: int) -> int:
    """Offset where the title line (if it was skipped) ends."""
    if not skip_lines:
        return 0
    stripped = len(norm) - len(norm.lstrip())
    newline = norm.find("\n", stripped)
    return len(norm) if newline < 0 else newline


def _main_entity(mentions: list[tuple[Hit, str]], kinds: dict[str, str], title_end: int) -> str:
    """The entity the document is about: most mentioned, title mentions weighted, chipmakers preferred."""
    counts: dict[str, int] = {}
    for hit, name in mentions:
        counts[name] = counts.get(name, 0) + (_TITLE_WEIGHT if hit.start < title_end else 1)
    # A chip entity wins over a big-tech one mentioned as often: this is an AI-chip monitor. Then the shorter
    # name, then the first mentioned (the order max() over (weight, -length) would give, without a key tuple each).
    best = ""
    best_weight = -1.0  # below any weight: the first name is taken
    best_length = 0
    for name, count in counts.items():
        weight = count * (1.5 if kinds.get(name) == "chip" else 1.0)
        if weight > best_weight or (weight == best_weight and len(name) < best_length):
            best, best_weight, best_length = name, weight, len(name)
    return best


def _on_topic(hits: list[Hit], kinds: dict[str, str], norm: str) -> bool:
    """Does the document as a whole talk about AI chips? Counts unambiguous chip entities and strong cues."""
    length = len(norm)
    signal = 0.0
    core = False  # at least one chip-world entity or strong AI-chip word
    chip_entity = False
    strong_at: list[int] = []
    consumer = business = 0
    for hit in hits:
        signalled = False  # a hit adds to the signal through its first entity or strong-word role only
        for role in hit.roles:
            kind = role.kind
            if kind == "consumer":
                consumer += 1
            elif kind == "topic":
                if role.value in BUSINESS_TOPICS:
                    business += 1
            elif signalled:
                continue
            elif kind == "entity" and role.flag != "ambiguous":
                chip = kinds.get(role.value) == "chip"
                core = core or chip
                chip_entity = chip_entity or chip
                signal += 1.0 if chip else 0.34
                signalled = True
            elif kind == "domain" and role.flag == "strong":
                core = True
                signal += 1.0
                strong_at.append(hit.start)
                signalled = True
    if core and not chip_entity and not _strong_words_dense(norm, strong_at):
        return False
    if consumer >= _MIN_CONSUMER_WORDS and consumer > business:
        return False  # a phone, console or car review that names its chip in passing
    # Longer documents need more evidence: one passing mention of a chipmaker in a long piece about
    # housing does not make it a piece about chips. Big tech alone (a phone review naming Apple and
    # Samsung) never does.
    needed = 1.0 if length < 600 else 2.0 if length < 3000 else 3.0
    return core and signal >= needed


# A product review: at least this many consumer-device words, and more of them than business words.
_MIN_CONSUMER_WORDS = 4

# Without any chip-world entity, AI-chip words must fill at least this share of the document's distinct lines:
# a travel blog that passes a "semiconductor plant" and a laptop GPU is not about AI chips, a one-line feed
# item on "AI chip export rules" is.
_MIN_STRONG_LINE_SHARE = 0.25


def _strong_words_dense(norm: str, strong_at: list[int]) -> bool:
    """Do the strong AI-chip words sit in enough of the distinct lines (a repeated paragraph counts once)?"""
    lines: dict[str, bool] = {}
    offset = 0
    i = 0
    for line in norm.split("\n"):
        end = offset + len(line)
        has = False
        while i < len(strong_at) and strong_at[i] < end:
            has = has or strong_at[i] >= offset
            i += 1
        key = line.strip()
        if key:
            lines[key] = lines.get(key, False) or has
        offset = end + 1
    return bool(lines) and sum(lines.values()) >= _MIN_STRONG_LINE_SHARE * len(lines)


def _bigrams(key: str) -> set[str]:
    return {key[i : i + 2] for i in range(len(key) - 1)} or {key}


def _near_duplicate(key: str, recent: deque[str], grams_of: dict[str, set[str]]) -> bool:
    """Is this claim a reworded repeat of one kept just before about the same entities (`recent`)?
    `grams_of` caches the bigram sets of the document's claims."""
    grams: set[str] | None = None
    size = len(key)
    # Jaccard can never exceed smaller/larger: claims of very different length are dismissed unseen. (The
    # bounds are worked out once; float(len) is exact, so comparing floats is the same test.)
    shortest = size * _NEAR_DUP
    longest = size / _NEAR_DUP
    for other_key in recent:
        other_size = float(len(other_key))
        if not (shortest <= other_size <= longest):
            continue
        if grams is None:
            grams = grams_of[key] = _bigrams(key)
        other_grams = grams_of.get(other_key) or grams_of.setdefault(other_key, _bigrams(other_key))
        if _shares_enough(grams, other_grams):
            return True
    return False


def _shares_enough(grams: set[str], other: set[str]) -> bool:
    """len(grams & other) >= _NEAR_DUP * (len(grams) + len(other) - shared), counted without building the
    intersection, and given up as soon as the bigrams left cannot reach the threshold (unrelated claims, the
    usual case, are dismissed after a fraction of the smaller set)."""
    if len(grams) > len(other):
        grams, other = other, grams
    total = len(grams) + len(other)
    # The least shared count that passes. The test grows with `shared` (a larger share, a smaller union, and
    # float products keep that order), so counting up to it is the same test; start just below 3/8 of total,
    # where it lies in exact arithmetic, and step up with the very expression the test uses.
    need = max(0, int(0.375 * total) - 2)
    while need < len(grams) and not need >= _NEAR_DUP * (total - need):
        need += 1
    if not need >= _NEAR_DUP * (total - need):
        return False  # even sharing the whole smaller set does not pass
    misses = len(grams) - need  # bigrams of the smaller set that may be missing from the other
    shared = 0
    for gram in grams:
        if gram in other:
            shared += 1
            if shared >= need:
                return True
        else:
            misses -= 1
            if misses < 0:
                return False
    return shared >= need
