"""The page corpus of bench/pipeline.py: real pages from registry test suites plus pages built from commentary.

Real pages come from the source distributions of htmldate 1.0.0 (tests/cache: 68 saved news and blog
pages) and trafilatura 2.3.1 (tests/resources: 9 pages), fetched with `pip download --no-binary :all:`
into a cache directory at bench time; nothing of them is committed. Built pages wrap stretches of the
commentary in ../shared/seeds as HTML articles. Every page is written `copies` times, each copy marked
(title and a closing line), so no two files are the same document.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from html import escape
from pathlib import Path

SDISTS = (
    ("htmldate==1.0.0", "htmldate-1.0.0.tar.gz", "tests/cache/"),
    ("trafilatura==2.3.1", "trafilatura-2.3.1.tar.gz", "tests/resources/"),
)
BUILT_PER_SEED = 5  # stretches of paragraphs per seed file -> up to 15 built pages
DEFAULT_CACHE = Path.home() / ".cache" / "chipwatch-bench" / "sdists"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


@dataclass(frozen=True)
class Page:
    name: str
    html: bytes
    real: bool


def fetch_sdists(cache: Path) -> list[Path]:
    """The sdists in `cache`, downloaded by pip when missing."""
    cache.mkdir(parents=True, exist_ok=True)
    out = []
    for spec, filename, _prefix in SDISTS:
        path = cache / filename
        if not path.exists():
            cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps", spec]
            subprocess.run([*cmd, "-d", str(cache)], check=True)
        out.append(path)
    return out


def real_pages(cache: Path) -> list[Page]:
    pages = []
    for (_spec, _filename, prefix), path in zip(SDISTS, fetch_sdists(cache), strict=True):
        with tarfile.open(path) as tar:
            for member in sorted(tar.getmembers(), key=lambda m: m.name):
                inner = member.name.split("/", 1)[-1]
                if not member.isfile() or not inner.startswith(prefix):
                    continue
                if not inner.endswith((".html", ".htm", ".html.gz")):
                    continue
                data = tar.extractfile(member).read()  # type: ignore[union-attr]
                if inner.endswith(".gz"):
                    data = gzip.decompress(data)
                stem = Path(inner).name.removesuffix(".gz").rsplit(".", 1)[0]
                pages.append(Page(f"{path.name.split('-')[0]}-{stem}", data, True))
    return pages


def built_pages(seeds: Path = SEEDS) -> list[Page]:
    pages = []
    for seed in sorted(seeds.glob("*.txt")):
        lines = [line.strip() for line in seed.read_text(encoding="utf-8").splitlines() if line.strip()]
        title, paras = lines[0], lines[1:]
        step = max(len(paras) // BUILT_PER_SEED, 1)
        for k in range(BUILT_PER_SEED):
            part = paras[k * step : (k + 1) * step]
            if not part:
                break
            body = "".join(f"<p>{escape(p)}</p>" for p in part)
            html = (
                f"<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>{escape(title)} ({k + 1})</title>"
                f"</head><body><nav><a href='/'>首页</a> <a href='/tech'>科技</a></nav><article>"
                f"<h1>{escape(title)} ({k + 1})</h1>{body}</article><footer>版权所有</footer></body></html>"
            )
            pages.append(Page(f"seed-{seed.stem}-{k + 1}", html.encode("utf-8"), False))
    return pages


def mark(page: Page, copy: int) -> bytes:
    """Copy `copy` of a page: a marker in the title and a closing line, so each copy is its own document."""
    tag = f" [copy {copy}]".encode()
    html = page.html.replace(b"</title>", tag + b"</title>", 1) if b"</title>" in page.html else page.html
    note = f"<p>Bench copy {copy} of {page.name}.</p>".encode()
    return html.replace(b"</body>", note + b"</body>", 1) if b"</body>" in html else html + note


def write_corpus(folder: Path, pages: list[Page], copies: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for page in pages:
        for copy in range(1, copies + 1):
            path = folder / f"{page.name}-{copy}.html"
            path.write_bytes(mark(page, copy))
            paths.append(path)
    return paths
