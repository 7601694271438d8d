"""The reference clusterer (analysis/clustering.py): which cluster a new claim joins, whether it contradicts one.
Claims come from the engine on made-up sentences (in no evaluation file), as storage would hand them over."""

import dataclasses

from chipwatch.analysis.clustering import (
    ClusterRep,
    claim_facts,
    event_key,
    lookup_keys,
    place,
    rep_lookup_key,
)
from chipwatch.analysis.engine import analyze

AUG = "2025-08-28"


class Store:
    """A minimal in-memory cluster index, doing what storage does with place()."""

    def __init__(self):
        self.reps: dict[int, ClusterRep] = {}
        self.index: dict[tuple[str, ...], list[int]] = {}
        self.contradictions: set[frozenset[int]] = set()

    def add(self, text: str, published: str = AUG) -> int:
        claims = analyze(text, published=published).claims
        assert len(claims) == 1, [c.text for c in claims]
        facts = claim_facts(claims[0])
        candidates = [self.reps[c] for key in lookup_keys(facts) for c in self.index.get(key, [])]
        placement = place(facts, candidates)
        cid = placement.cluster_id
        if cid is None:
            cid = len(self.reps)
            self.reps[cid] = dataclasses.replace(facts.representative(), cluster_id=cid)
            self.index.setdefault(rep_lookup_key(self.reps[cid]), []).append(cid)
        elif placement.refined is not None:
            self.reps[cid] = placement.refined
        self.contradictions.update(frozenset((cid, other)) for other in placement.contradicts)
        return cid


def test_one_fact_in_three_languages_is_one_cluster():
    store = Store()
    first = store.add("英伟达第二财季营收467亿美元。")
    assert store.add("エヌビディアの5-7月期の売上高は467億ドルだった。") == first
    assert store.add("Nvidia posted Q2 revenue of $46.7 billion.") == first
    assert store.add("Nvidia's fiscal second-quarter revenue came in at $46.74 billion.") == first
    assert not store.contradictions


def test_a_different_value_for_the_same_fact_is_a_contradiction():
    store = Store()
    first = store.add("英伟达第二财季营收467亿美元。")
    other = store.add("Nvidia posted Q2 revenue of $44.9 billion.")
    assert other != first
    assert store.contradictions == {frozenset((first, other))}


def test_other_metrics_periods_and_companies_are_other_clusters_without_contradiction():
    store = Store()
    revenue = store.add("英伟达第二财季营收467亿美元。")
    ids = {
        store.add("英伟达第二财季数据中心营收411亿美元。"),
        store.add("英伟达第一财季营收441亿美元。"),
        store.add("AMD第二季度营收77亿美元。"),
        store.add("英伟达第二财季营收同比增长56%。"),
    }
    assert revenue not in ids and len(ids) == 4
    assert not store.contradictions


def test_a_dated_figure_refines_an_undated_cluster_so_a_later_figure_can_contradict_it():
    store = Store()
    first = store.add(
        "Nvidia said it will take a charge of $5.5 billion because of the H20 export rules.", "2025-04-15"
    )
    assert store.reps[first].fact.key.period is None
    assert store.add("エヌビディアは2~4月期にH20の輸出規制で55億ドルの費用を計上する。", "2025-04-16") == first
    assert store.reps[first].fact.key.period == "FY2026Q1"
    final = store.add("英伟达第一财季因H20出口限制计提45亿美元费用。", "2025-05-29")
    assert store.contradictions == {frozenset((first, final))}


def test_undated_share_moves_never_contradict():
    store = Store()
    store.add("Nvidia shares fell 6% in after-hours trading.", "2025-04-15")
    store.add("英伟达股价盘后下跌5%。", "2025-04-15")
    assert not store.contradictions


def test_consensus_figures_do_not_contradict():
    store = Store()
    store.add("英伟达第二财季营收超出市场预期的462亿美元。")
    store.add("英伟达第二财季营收超出市场预期的460.6亿美元。")
    assert not store.contradictions


def test_claims_without_figures_cluster_by_event():
    store = Store()
    first = store.add("美国政府禁止英伟达向中国出口H20芯片。", "2025-04-15")
    assert store.add("The US banned Nvidia from exporting H20 chips to China.", "2025-04-15") == first
    assert store.add("AMD unveiled the MI355X accelerator.", "2025-04-15") != first


def test_event_key_names_the_company_for_its_product():
    assert event_key("The US banned H20 exports to China.", ["H20"]) == "NVIDIA|export_ban"
    assert event_key("Nothing happened to H20.", ["H20"]) is None
    assert event_key("The US banned exports.", []) is None


def test_claim_facts_reads_the_json_shape_too():
    claim = analyze("英伟达第二财季营收467亿美元，同比增长56%。", published=AUG).claims[0]
    from_json = claim_facts(claim.to_json())
    assert from_json == claim_facts(claim)
    # the level leads, the growth rate follows
    assert [f.key.metric for f in from_json.facts] == ["revenue", "revenue_growth"]
