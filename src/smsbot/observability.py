"""Logging set-up (JSON lines with a request id in production) and Prometheus metrics.
Labels are fixed enums and log lines name types and counts: never a number or a text.
"""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from contextvars import ContextVar
from typing import Any

from fastapi import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

INBOUND_TEXTS = Counter("smsbot_inbound_texts_total", "Inbound texts by routed intent", ["intent"])
INBOUND_REJECTED = Counter("smsbot_inbound_rejected_total", "Inbound requests refused", ["reason"])
INBOUND_DUPLICATES = Counter(
    "smsbot_inbound_duplicates_total", "Redelivered MessageSids answered with nothing"
)
INBOUND_SECONDS = Histogram(
    "smsbot_inbound_seconds",
    "Time to handle one inbound text",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)
OUTBOUND_MESSAGES = Counter(
    "smsbot_outbound_messages_total", "Outbound messages by purpose and result", ["purpose", "result"]
)
FALLBACK_TEXTS = Counter(
    "smsbot_fallback_texts_total",
    "Texts Twilio sent to the fallback URL, by whether the database recorded them",
    ["result"],  # recorded | not_recorded
)

# Read from the database at each scrape (outbound/watch.py), so every web process reports the same.
# With several processes, the value of the latest scrape stands (they all read the same database).
_LATEST = {"multiprocess_mode": "mostrecent"}
DATABASE_UP = Gauge("smsbot_database_up", "1 if the database answered this scrape, else 0", **_LATEST)
OUTBOX_WAITING = Gauge("smsbot_outbox_waiting", "Outbox texts not sent yet, by status", ["status"], **_LATEST)
OUTBOX_OLDEST_DUE = Gauge(
    "smsbot_outbox_oldest_due_seconds",
    "Seconds the longest-overdue unsent outbox text has been due",
    **_LATEST,
)
ALERTS_OPEN = Gauge("smsbot_alerts_open", "Peer alerts not acknowledged yet", **_LATEST)
WORKER_HEARTBEAT_AGE = Gauge(
    "smsbot_worker_heartbeat_age_seconds",
    "Seconds since the newest worker heartbeat (-1: none yet)",
    **_LATEST,
)


def metrics_response() -> Response:
    """This process's metrics; with PROMETHEUS_MULTIPROC_DIR set (several web processes, and the worker
    on the same machine), everyone's, summed: each process writes its values to files there."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # a caller's id is kept only if it can carry nothing else


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id (and the exception's type only)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id:
            line["request_id"] = request_id
        if record.exc_info and record.exc_info[0] is not None:
            # Only the type: an exception's text can quote a bound value (a number, a message).
            line["exception"] = record.exc_info[0].__name__
        return json.dumps(line, ensure_ascii=False)


class RequestIdMiddleware:
    """Gives each HTTP request an id (the caller's X-Request-Id when it is a plain token, else a new one),
    puts it on every log line written while handling it, and returns it as X-Request-Id."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"").decode("latin-1")
        request_id = given if _SAFE_ID.fullmatch(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)

        async def send_with_id(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)


def setup_logging(level: str = "INFO", json_lines: bool | None = None) -> None:
    """Plain lines in development; JSON lines (for a log collector) in production, or when asked."""
    if json_lines is None:
        from smsbot.config import get_settings

        try:
            json_lines = get_settings().env == "production"
        except Exception:  # a configuration error is reported by whoever starts the process
            json_lines = False
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if json_lines else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    logging.basicConfig(level=level.upper(), handlers=[handler])
