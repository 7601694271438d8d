"""chipwatch: monitor what is being claimed about AI chips in zh/ja/en commentary.

This package (folder `cli/`) holds the command line, settings and the demo; the stages live in
sibling folders installed as `chipwatch.<stage>` (see pyproject.toml).
"""

__version__ = "0.1.0"
