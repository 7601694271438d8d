"""Progress on long work: a rich progress bar on a terminal, plain lines otherwise (logs, pipes, CI).

Written to stderr, so `analyze --json` and `export` keep stdout for their data.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any, TextIO

from chipwatch.cli.terminal import printable

PLAIN_EVERY = 5.0  # seconds between plain lines when there are many items


class Progress:
    """`with Progress(total, "polling") as p: ... p.advance("source-a: 3 new")`.

    On a TTY a bar with the item count and the last item's note; otherwise one line per item when there are
    few (at most `few`), else a line every PLAIN_EVERY seconds and one at the end."""

    def __init__(self, total: int, label: str, *, stream: TextIO | None = None, few: int = 20) -> None:
        self.total, self.label, self.done = total, label, 0
        self.stream = stream or sys.stderr
        self.few = few
        self._bar: Any = None
        self._task: Any = None
        self._last_line = 0.0

    @property
    def interactive(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def __enter__(self) -> Progress:
        if self.interactive and self.total > 1:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[note]}"),
                console=Console(file=self.stream),
                transient=True,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task(self.label, total=self.total, note="")
        self._last_line = time.monotonic()
        return self

    def advance(self, note: str = "") -> None:
        """One item done; `note` says what came of it."""
        self.done += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1, note=printable(note)[:60])
            return
        now = time.monotonic()
        if self.total <= self.few or now - self._last_line >= PLAIN_EVERY or self.done == self.total:
            self._last_line = now
            suffix = f": {note}" if note and self.total <= self.few else ""
            print(printable(f"{self.label} {self.done}/{self.total}{suffix}"), file=self.stream, flush=True)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.__exit__(exc_type, exc, tb)
