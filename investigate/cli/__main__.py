"""``python -m auditlog.investigate.cli``: the ``auditlog`` command (tests and the fault harness run it so)."""

import sys

from auditlog.investigate.cli import main

sys.exit(main())
