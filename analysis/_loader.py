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
    """Loads the listed submodules of one package from their .py files, ahead of any extension module."""

    def __init__(self, package: str, names: frozenset[str]) -> None:
        self._package = package
        self._names = names

    def find_spec(
        self, fullname: str, path: object = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        package, _, leaf = fullname.rpartition(".")
        if package != self._package or leaf not in self._names:
            return None
        return importlib.util.spec_from_file_location(fullname, _HERE / f"{leaf}.py")


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
    """Installs the source-first finder when needed; returns "compiled", "source" or "pure" (nothing compiled)."""
    try:
        from . import _compiled  # type: ignore[attr-defined]  # exists only in a compiled build
    except ImportError:
        return "pure"
    if os.environ.get("CHIPWATCH_PURE") == "1":
        stale: list[str] = []
    else:
        stale = _stale(_compiled.SOURCES)
        if not stale:
            return "compiled"
        warnings.warn(
            f"chipwatch.analysis: {', '.join(stale)} changed since the engine was compiled; running the sources "
            "(reinstall to compile them again)",
            RuntimeWarning,
            stacklevel=3,
        )
    sys.meta_path.insert(0, _SourceFirst(package, frozenset(_compiled.SOURCES)))
    return "source"
