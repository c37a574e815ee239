"""``python -m events_sqs --help``."""

import sys

from .cli import main

sys.exit(main())
