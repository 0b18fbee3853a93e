"""``python -m simulator`` runs the ``nnsim`` command."""

from simulator.cli import main

raise SystemExit(main())
