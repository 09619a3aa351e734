"""Allow ``python -m flowlog_operator``."""

import sys

from flowlog_operator.cli import main

sys.exit(main())
