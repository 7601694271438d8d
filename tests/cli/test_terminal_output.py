"""Documents cannot drive the terminal: `analyze` text mode shows control characters as escapes (ESC ] 0 ; ...
BEL would retitle the window), and `--json` carries the very same strings, escaped so they stay inert."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from chipwatch.analysis.document import analyse_bytes
from chipwatch.cli.terminal import json_line, printable

# Every control character a terminal might obey: C0 but newline, DEL, C1.
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
HOSTILE = (
    "Title \x1b]0;PWNED\x07 here\n\n"
    "NVIDIA\x1b[31m shares fell 17% after TSMC\x7f said\x9b2J capacity will double.\r\x1b[2K"
    " Samsung HBM3E orders rose 30%\x08\x08 this quarter.\n"
)


def _analyze(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chipwatch", "analyze", *args], capture_output=True, text=True, timeout=60
    )


def test_analyze_text_mode_shows_escape_sequences_instead_of_sending_them(tmp_path: Path) -> None:
    doc = tmp_path / "hostile.txt"
    doc.write_text(HOSTILE, encoding="utf-8")
    missing = tmp_path / "no\x1b]0;such\x07.txt"

    done = _analyze(str(doc), str(missing))

    assert done.returncode == 1  # the missing file failed, the document did not
    assert not CONTROL.search(done.stdout), repr(done.stdout)
    assert not CONTROL.search(done.stderr), repr(done.stderr)
    assert "Title \\x1b]0;PWNED\\x07 here" in done.stdout  # shown, so a reader sees what the document holds
    assert "NVIDIA\\x1b[31m shares fell 17% after TSMC\\x7f said\\x9b2J" in done.stdout
    assert "no\\x1b]0;such\\x07.txt: no such file" in done.stderr


def test_analyze_json_stays_exact_and_inert(tmp_path: Path) -> None:
    doc = tmp_path / "hostile.txt"
    doc.write_bytes(HOSTILE.encode("utf-8"))

    done = _analyze("--json", str(doc))

    assert done.returncode == 0, done.stderr
    assert not CONTROL.search(done.stdout), repr(done.stdout)
    got = json.loads(done.stdout)
    expected = analyse_bytes(HOSTILE.encode("utf-8"), content_type="text/plain").analysis.to_json(str(doc))
    assert got == expected  # the same strings, control characters included
    assert "\x1b]0;PWNED\x07" in got["title"] and any("\x7f" in c["text"] for c in got["claims"])


def test_json_line_round_trips_every_code_point_below_0xa0() -> None:
    text = "".join(map(chr, range(0xA0))) + "\\\x7f\\\\\x9b\\u009b 英伟达"
    line = json_line({"k\x85": [text]})
    assert not CONTROL.search(line) and "\n" not in line
    assert json.loads(line) == {"k\x85": [text]}


def test_printable_keeps_newline_tab_and_cjk() -> None:
    assert printable("a\tb\n英伟达\x1b[0m\x9b") == "a\tb\n英伟达\\x1b[0m\\x9b"
