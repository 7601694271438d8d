"""Claim-engine speed: plain text throughput, and analyze() against trafilatura.extract() on the same pages.

Run `python bench/analyze_speed.py [--rounds N]`. All figures come from one run, so the ratio compares like
with like on whatever machine runs it. Times are CPU time of this process (time.process_time), which a busy
shared machine disturbs less than wall-clock time, and the least of N runs; wall-clock figures (also the
least of N) are printed alongside.

The HTML pages are the shared seed articles wrapped in article markup built here, so the bench needs no files
besides the seeds, in two shapes: "minimal" (title, a short nav, the paragraphs, a footer) and "portal" (what
a Chinese news portal page carries around an article: head metadata, a style sheet and scripts, a 40-link
menu, breadcrumbs, a share bar, 20 related links, a comment block and a 30-link footer). Both are reported,
against two extractions of the same page: trafilatura.extract() with its defaults, and the extraction chipwatch
itself runs on every fetched page (extract_document: trafilatura.bare_extraction with metadata and date).

The engine may run compiled (mypyc, see setup.py) or from its sources; the bench says which, and when compiled
it also times the sources in a child process (CHIPWATCH_PURE=1) on the same seeds, so the gain is a ratio from one
command.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "tests" / "analysis" / "eval" / "docs").glob("zh_*[a-z].txt"))
SEED_NAMES = ("zh_jevons_inference", "zh_short_case_comments", "zh_shovel_seller")


def seed_texts() -> list[tuple[str, str]]:
    docs = ROOT / "tests" / "analysis" / "eval" / "docs"
    return [(name, (docs / f"{name}.txt").read_text(encoding="utf-8")) for name in SEED_NAMES]


def as_html(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title = html.escape(lines[0])
    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in lines[1:])
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{title}</title></head><body>"
        "<nav><a href='/'>首页</a> <a href='/tech'>科技</a> <a href='/finance'>财经</a></nav>"
        f"<header><h1>{title}</h1><div class='byline'>作者:编辑部</div></header>"
        f"<article>{body}</article>"
        "<aside><h3>相关推荐</h3><ul><li><a href='/a'>另一篇文章</a></li></ul></aside>"
        "<footer>版权所有</footer></body></html>"
    )


def as_portal_html(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title = html.escape(lines[0])
    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in lines[1:])
    menu = "".join(f"<li><a href='/channel/{i}'>频道{i}</a></li>" for i in range(40))
    related = "".join(
        f"<li><a href='/news/{i}.html'>相关新闻标题第{i}条:市场动态与行业观察</a></li>" for i in range(20)
    )
    comments = "".join(
        f"<div class='comment'><span class='user'>网友{i}</span><p>说得有道理,期待后续报道。</p>"
        f"<span class='time'>2025-02-01 10:{i:02d}</span></div>"
        for i in range(10)
    )
    footer = "".join(f"<a href='/about/{i}'>链接{i}</a> " for i in range(30))
    return (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>{title}_财经频道</title>"
        "<meta name='keywords' content='芯片,半导体,AI'><meta name='description' content='财经资讯'>"
        "<meta property='og:type' content='article'><link rel='stylesheet' href='/static/site.css'>"
        "<style>body{font-family:sans-serif}.nav li{display:inline}.comment{margin:4px}</style>"
        '<script type=\'application/ld+json\'>{"@context":"https://schema.org","@type":"NewsArticle"}</script>'
        "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}</script>"
        "</head><body>"
        f"<div class='top'><ul class='nav'>{menu}</ul></div>"
        "<div class='crumbs'><a href='/'>首页</a> &gt; <a href='/finance'>财经</a> &gt; 正文</div>"
        f"<div class='main'><h1>{title}</h1>"
        "<div class='info'><span>来源:编辑部</span> <span>2025-02-01</span></div>"
        f"<div class='article-content'>{body}</div>"
        "<div class='share'><a href='#'>微博</a> <a href='#'>微信</a> <a href='#'>复制链接</a></div>"
        f"<div class='related'><h3>相关推荐</h3><ul>{related}</ul></div>"
        f"<div class='comments'><h3>网友评论</h3>{comments}</div></div>"
        f"<div class='footer'>{footer}<p>版权所有 © 2025</p></div>"
        "<script src='/static/app.js'></script></body></html>"
    )


def _time(fn, rounds: int) -> tuple[float, float]:
    """(least CPU seconds, least wall seconds) per call: on a shared machine the least disturbed run is the
    best estimate of the code's own cost, and the same rule applies to both sides of every ratio."""
    cpu, wall = [], []
    for _ in range(rounds):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return min(cpu), min(wall)


def startup_seconds() -> float:
    """Fresh interpreter: import the engine and analyze one short text (vocabulary load included)."""
    code = "from chipwatch.analysis.engine import analyze; analyze('英伟达股价暴跌17%。')"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def plain_text_ms(rounds: int) -> list[tuple[str, float, float]]:
    """(seed, least CPU ms, least wall ms) of analyze() on each seed's plain text."""
    from chipwatch.analysis.engine import analyze

    seeds = seed_texts()
    analyze(seeds[0][1])  # load the vocabulary once, outside the timings
    out = []
    for name, text in seeds:
        cpu, wall = _time(lambda text=text: analyze(text), rounds)
        out.append((name, cpu * 1000, wall * 1000))
    return out


def source_build_ms(rounds: int, env_extra: dict[str, str] | None = None) -> list[float]:
    """The same plain-text timings with the engine's sources (CHIPWATCH_PURE=1), from a child process; or, with
    `env_extra`, with whatever engine that environment gives (a baseline checkout first on PYTHONPATH)."""
    env = {**os.environ, **(env_extra or {"CHIPWATCH_PURE": "1"})}
    run = subprocess.run(
        [sys.executable, __file__, "--plain-json", "--rounds", str(rounds)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return [cpu for _name, cpu, _wall in json.loads(run.stdout)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="timed repetitions per measurement")
    parser.add_argument("--plain-json", action="store_true", help=argparse.SUPPRESS)  # the child of source_build_ms
    parser.add_argument(
        "--baseline",
        metavar="DIR",
        help="also time the plain-text engine of another checkout (its analysis/ built in place with"
        " `CHIPWATCH_COMPILE=1 python setup.py build_ext --inplace`) and print this engine's time as a ratio of it",
    )
    args = parser.parse_args(argv)
    if args.plain_json:
        print(json.dumps(plain_text_ms(args.rounds)))
        return 0

    import trafilatura

    from chipwatch.analysis import ENGINE_BUILD
    from chipwatch.analysis.engine import analyze
    from chipwatch.analysis.extract import extract_document

    seeds = seed_texts()
    print(f"engine build: {ENGINE_BUILD}")
    print("plain text (engine alone)")
    plain = plain_text_ms(args.rounds)
    for name, cpu, wall in plain:
        size = len(dict(seeds)[name].encode("utf-8")) / 1024
        print(f"  {name:26s} {size:5.1f} KB  {cpu:6.2f} ms cpu  {wall:6.2f} ms wall")
    mean = statistics.mean(cpu for _name, cpu, _wall in plain)
    print(f"  mean {mean:.2f} ms per seed-size article -> {60_000 / mean:,.0f} articles per minute per core")
    if ENGINE_BUILD == "compiled":
        source = statistics.mean(source_build_ms(args.rounds))
        print(
            f"  the same from the sources (CHIPWATCH_PURE=1, child process): mean {source:.2f} ms"
            f" -> {60_000 / source:,.0f} per minute; compiled / sources {mean / source:.2f}"
        )

    if args.baseline:
        # Interleaved with this engine's own runs, so that load on the machine hits both alike.
        mine, theirs = [], []
        for _ in range(3):
            theirs.append(statistics.mean(source_build_ms(args.rounds, {"PYTHONPATH": args.baseline})))
            mine.append(statistics.mean(source_build_ms(args.rounds, {"PYTHONPATH": str(ROOT)})))
        base, now = min(theirs), min(mine)
        print(
            f"  baseline {args.baseline} (child processes, least of 3): {base:.2f} ms; this checkout the same way:"
            f" {now:.2f} ms; this / baseline {now / base:.2f}"
        )

    for shape, build in (("minimal", as_html), ("portal", as_portal_html)):
        print(
            f"HTML pages ({shape}): analyze(extracted text) vs trafilatura.extract(page) [defaults]"
            " and vs chipwatch's own extraction step (extract_document)"
        )
        ratios, own_ratios = [], []
        for name, text in seeds:
            page = build(text)
            data = page.encode("utf-8")
            extracted = trafilatura.extract(page) or ""
            # Interleave the measurements so that load on the machine hits all of them alike.
            t_cpu, e_cpu, a_cpu = [], [], []
            for _ in range(args.rounds):
                t_cpu.append(_time(lambda page=page: trafilatura.extract(page), 1)[0])
                e_cpu.append(_time(lambda data=data: extract_document(data, "text/html"), 1)[0])
                a_cpu.append(_time(lambda extracted=extracted: analyze(extracted), 1)[0])
            t, e, a = min(t_cpu), min(e_cpu), min(a_cpu)
            ratios.append(a / t)
            own_ratios.append(a / e)
            size = len(data) / 1024
            print(
                f"  {name:26s} {size:5.1f} KB page  extract() {t * 1000:5.2f} ms  extract_document {e * 1000:5.2f} ms"
                f"  analyze {a * 1000:5.2f} ms  ratios {a / t:.2f}x / {a / e:.2f}x"
            )
        print(
            f"  mean ratio analyze / trafilatura.extract ({shape}): {statistics.mean(ratios):.2f}x;"
            f" analyze / extract_document: {statistics.mean(own_ratios):.2f}x (target <= 0.5x)"
        )

    print(f"start-up: fresh interpreter, import + first analyze: {startup_seconds():.2f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
