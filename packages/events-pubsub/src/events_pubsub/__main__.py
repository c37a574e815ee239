"""``python -m events_pubsub --help``."""

import sys

from .cli import main

sys.exit(main())
