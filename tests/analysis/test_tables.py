"""Table rows whose unit sits in a note or a header (issue 14, class "layout: tables"). Every text here is made up
in the shapes seen on real pages; none is in an evaluation file."""

from chipwatch.analysis.engine import analyze


def _row(text: str, key: str):  # type: ignore[no-untyped-def]
    claims = [c for c in analyze(text).claims if key in c.text]
    assert claims, f"no claim for {key!r} in {[c.text for c in analyze(text).claims]}"
    return claims[0]


def _values(claim) -> list[tuple[float, str]]:  # type: ignore[no-untyped-def]
    return [(q.value, q.unit) for q in claim.quantities]


def test_a_unit_note_over_a_spaced_table_gives_its_rows_that_unit() -> None:
    text = (
        "ルネサス決算説明\n"
        "ルネサスが上期決算を発表した。AI半導体の受注が伸びた。\n"
        "(単位:百万円)\n"
        "  上期 下期 通期\n"
        "売上高 98,100 102,400 200,500\n"
        "営業利益率 12.5% 13.0% 12.8%\n"
    )
    sales = _row(text, "売上高 98,100")
    assert _values(sales) == [(98_100_000_000, "JPY"), (102_400_000_000, "JPY"), (200_500_000_000, "JPY")]
    assert sales.entities == ["Renesas"] and sales.notable  # the company's own money figures
    assert _values(_row(text, "営業利益率")) == [(12.5, "%"), (13.0, "%"), (12.8, "%")]


def test_header_cells_wrapped_over_two_lines_give_each_column_its_unit() -> None:
    text = (
        "海光信息 主营构成\n"
        "海光信息是国产AI芯片厂商,DCU产品用于数据中心。\n"
        "|业务 |营业收入( |毛利率|\n"
        "| |亿元) |(%) |\n"
        "|高端处理器 | 41.20| 60.15|\n"
        "|技术服务 | 0.35| 88.02|\n"
    )
    row = _row(text, "高端处理器")
    assert _values(row) == [(4_120_000_000, "CNY"), (60.15, "%")]
    assert row.entities == ["Hygon"]


def test_an_english_millions_note_and_minus_signs() -> None:
    text = (
        "Marvell results\n"
        "Marvell reported results for its AI data center business.\n"
        "($ in millions)\n"
        "Data center revenue 1,490 1,100 +35%\n"
        "Operating loss -12 -85\n"
    )
    assert _values(_row(text, "Data center revenue")) == [(1.49e9, "USD"), (1.1e9, "USD"), (35.0, "%")]
    assert _values(_row(text, "Operating loss")) == [(-1.2e7, "USD"), (-8.5e7, "USD")]


def test_periods_dates_and_glued_cells_are_not_figures() -> None:
    text = (
        "Marvell results\n"
        "Marvell reported results for its AI data center business.\n"
        "(in millions of US dollars)\n"
        "FY2025 1Q 2Q 2024年\n"
        "Custom silicon 412463427\n"
    )
    assert not any(c.text.startswith(("FY2025", "Custom silicon")) for c in analyze(text).claims)


def test_a_note_rules_no_prose_after_it() -> None:
    text = (
        "Marvell results\n"
        "Marvell reported results for its AI data center business.\n"
        "(in millions)\n"
        "The company hired 300 engineers and opened 2 offices this year, as planned.\n"
    )
    for claim in analyze(text).claims:
        assert all(q.unit != "USD" for q in claim.quantities)


def test_a_fact_sheet_run_takes_the_company_of_the_piece() -> None:
    text = (
        "Broadcom fact sheet\n"
        "Dividend yield 1.2%\n"
        "P/E (forward) 31.5x\n"
        "Gross margin 77.1%\n"
        "Broadcom designs custom AI accelerators for hyperscalers.\n"
    )
    margin = _row(text, "Gross margin")
    assert margin.entities == ["Broadcom"] and _values(margin) == [(77.1, "%")]


def test_short_prose_sentences_with_figures_are_not_a_fact_sheet() -> None:
    from chipwatch.analysis.engine import _note_reader
    from chipwatch.analysis.normalize import normalize
    from chipwatch.analysis.tables import table_rows
    from chipwatch.analysis.vocabulary import get_vocabulary

    text = (
        "长鑫存储快讯\n"
        "消息公布后,长鑫股价上涨3.1%。\n"
        "业内估计,明年DRAM市场将达到900亿美元。\n"
        "Analysts expect revenue of $2.4 billion.\n"
    )
    norm = normalize(text)
    assert table_rows(norm, text, _note_reader(get_vocabulary())) == []


def test_a_markdown_table_separator_row_does_not_join_the_header() -> None:
    text = (
        "Hygon results\n"
        "Hygon sells DCU accelerators to Chinese data centers.\n"
        "| Segment | Revenue (RMB billions) | Margin (%) |\n"
        "|---|---|---|\n"
        "| DCU | 4.12 | 60.1 |\n"
    )
    assert _values(_row(text, "| DCU")) == [(4.12e9, "CNY"), (60.1, "%")]
