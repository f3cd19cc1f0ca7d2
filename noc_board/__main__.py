"""`python -m noc_board` is the same program as `noc-board`."""

from noc_board.cli import main

raise SystemExit(main())
