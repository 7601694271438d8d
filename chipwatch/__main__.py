"""`python -m chipwatch` runs the command line."""

from chipwatch.cli.main import main

raise SystemExit(main())
