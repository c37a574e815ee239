"""``from fastapi_events.handlers.aws import SQSForwardHandler`` (extra ``[aws]``)."""

from typing import Any

from .._extras import require

SQSForwardHandler: Any = require("events_sqs", "aws", "SQSForwardHandler").SQSForwardHandler

__all__ = ["SQSForwardHandler"]
