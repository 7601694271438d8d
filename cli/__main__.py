"""`python -m chipwatch` runs the command line."""

from chipwatch.main import main

raise SystemExit(main())
