"""Picks compiled or source modules for the engine, so that an edited .py is never shadowed by a stale build.

setup.py may compile the hot modules with mypyc. The extension files sit beside the .py files (in site-packages,
or in analysis/ for an editable install), and Python's import system prefers an extension to a .py of the same
name, whatever their ages. So the build records each source's sha256 (module _compiled); when any source differs,
or CHIPWATCH_PURE=1, every compiled module is bypassed: they call each other directly inside one shared library,
so mixing an edited source with the compiled rest would still run the old code.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import warnings
from pathlib import Path
from types import ModuleType

_HERE = Path(__file__).resolve().parent


class _SourceFirst(importlib.abc.MetaPathFinder):
    """Loads a package's submodules from their .py files unless they are in `compiled`, ahead of extensions."""

    def __init__(self, package: str, compiled: frozenset[str]) -> None:
        self._package = package
        self._compiled = compiled

    def find_spec(
        self, fullname: str, path: object = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        package, _, leaf = fullname.rpartition(".")
        if package != self._package or leaf in self._compiled:
            return None  # the usual finders: another package, or the current build's extension
        source = _HERE / f"{leaf}.py"
        return importlib.util.spec_from_file_location(fullname, source) if source.is_file() else None


def _stale(sources: dict[str, str]) -> list[str]:
    stale = []
    for name, digest in sources.items():
        try:
            if hashlib.sha256((_HERE / f"{name}.py").read_bytes()).hexdigest() != digest:
                stale.append(name)
        except OSError:  # no source shipped: the compiled module is all there is
            pass
    return stale


def choose(package: str) -> str:
    """Installs the source-first finder; returns "compiled", "source" (build bypassed) or "pure" (no build)."""
    try:
        from . import _compiled  # type: ignore[attr-defined]  # exists only in a compiled build
    except ImportError:
        return "pure"
    compiled = frozenset(_compiled.SOURCES)
    if os.environ.get("CHIPWATCH_PURE") == "1":
        compiled = frozenset()
    elif stale := _stale(_compiled.SOURCES):
        compiled = frozenset()
        warnings.warn(
            f"chipwatch.analysis: {', '.join(stale)} changed since the engine was compiled; running the sources "
            "(reinstall to compile them again)",
            RuntimeWarning,
            stacklevel=3,
        )
    # Installed even when the build is current: an extension left by an older build with other modules must not
    # shadow its .py either.
    sys.meta_path.insert(0, _SourceFirst(package, compiled))
    return "compiled" if compiled else "source"
