"""`python -m kb check|ask|chat|query|eval`."""

from kb.cli import main

raise SystemExit(main())
