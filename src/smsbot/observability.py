"""Logging set-up (JSON lines with a request id in production) and Prometheus metrics.
Labels are fixed enums and log lines name types and counts: never a number or a text.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import secrets
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

if TYPE_CHECKING:  # the worker imports this module too: no web framework at its start-up
    from starlette.responses import Response

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
SEND_ERRORS = Counter(
    "smsbot_outbound_errors_total",
    "Send attempts that did not go through, by Twilio error code (or connection, timeout)",
    ["code"],
)
DELIVERY_REPORTS = Counter(
    "smsbot_delivery_reports_total",
    "Twilio delivery reports applied to outbox texts, by status and error code (empty: none)",
    ["status", "error_code"],
)
REPLIES = Counter(
    "smsbot_replies_total",
    "Answers to inbound texts: message (a <Message> in the TwiML) or silent, and why silent",
    ["result", "reason"],
)
FLOODS = Counter(
    "smsbot_inbound_floods_total",
    "Information replies held back by the per-number flood limit (loop: a machine talking to us)",
    ["kind"],
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


# Read from the database at each scrape too (outbound/figures.py): the last 24 hours of check-ins and
# outbox texts, and how long peers take to acknowledge alerts.
OUTBOX_TEXTS_24H = Gauge(
    "smsbot_outbox_texts_24h",
    "Outbox texts created in the last 24 h, by purpose and where they stand now",
    ["purpose", "status"],
    **_LATEST,
)
CHECKINS_24H = Gauge(
    "smsbot_checkins_24h",
    "Check-ins scheduled in the last 24 h, by status (waiting/reminded: under way; no_reply: missed)",
    ["status"],
    **_LATEST,
)
CHECKINS_DUE = Gauge(
    "smsbot_checkins_due", "Active enrollments whose next check-in is due and not made yet", **_LATEST
)
ALERT_ACK_SECONDS = Gauge(
    "smsbot_alert_ack_seconds",
    "Seconds from an alert to its acknowledgement, over alerts acknowledged in the last 7 days",
    ["quantile"],  # 0.5 | 0.9 | 1 (the slowest)
    **_LATEST,
)
ALERT_OLDEST_OPEN_SECONDS = Gauge(
    "smsbot_alert_oldest_open_seconds", "Age of the oldest alert nobody has acknowledged (0: none)", **_LATEST
)
_CODE = re.compile(r"[0-9]{1,6}|[a-z_]{1,16}")


def label_code(code: str | None) -> str:
    """An error code as a metric label: Twilio's digits or our few words, else "other" (never free text)."""
    if not code:
        return ""
    return code if _CODE.fullmatch(code) else "other"


def observe_answer(intent: str, replied: bool, silence: str | None) -> None:
    """One inbound text, once stored: its intent, answered (a <Message>) or not, and why not (`silence`
    is a fixed word). Counted by the entry point after its COMMIT: a batch that failed and was handled
    again text by text counts each text once."""
    if silence == "duplicate":
        INBOUND_DUPLICATES.inc()
    else:
        INBOUND_TEXTS.labels(intent).inc()
    reason = label_code(silence) if silence else ""
    REPLIES.labels("message" if replied else "silent", reason).inc()
    if silence in ("flood", "loop"):
        FLOODS.labels(silence).inc()


def metrics_response() -> Response:
    """This process's metrics; with PROMETHEUS_MULTIPROC_DIR set (several web processes, and the worker
    on the same machine), everyone's, summed: each process writes its values to files there."""
    from starlette.responses import Response

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def prepare_multiprocess(workers: int) -> str | None:
    """Before `smsbot serve` starts several web processes: make sure they share a metrics directory
    (PROMETHEUS_MULTIPROC_DIR), so that /metrics sums them all whichever one answers the scrape.

    A directory the operator set is used as it is (the worker on the same machine writes there too;
    the systemd units and compose file give one that is empty at boot). Otherwise, with more than one
    web process, a fresh private one is made for this run. Returns the directory in use, if any."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        os.makedirs(given, mode=0o700, exist_ok=True)
        return given
    if workers <= 1:
        return None
    import tempfile

    made = tempfile.mkdtemp(prefix="smsbot-metrics-")  # mode 0700, empty: no stale counts
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = made  # the web processes inherit it
    return made


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


class _RequestIds:
    """Ids unique across processes and restarts: a random prefix per process, then a counter (uuid4 for
    each request cost ~2% of a text's CPU). A forked process draws a prefix of its own."""

    def __init__(self) -> None:
        self._renew()
        os.register_at_fork(after_in_child=self._renew)

    def _renew(self) -> None:
        self._prefix, self._counter = secrets.token_hex(6), itertools.count(1)

    def next(self) -> str:
        return f"{self._prefix}-{next(self._counter):x}"


_request_ids = _RequestIds()


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
        request_id = given if given and _SAFE_ID.fullmatch(given) else _request_ids.next()
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
