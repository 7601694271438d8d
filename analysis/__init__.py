"""Text in, claims out: pure functions with no I/O, no database and no orchestration."""

from ._loader import choose as _choose

# "compiled" (mypyc build in use), "source" (a build exists but is bypassed) or "pure" (nothing compiled).
ENGINE_BUILD = _choose(__name__)
