"""Logging set-up and Prometheus metrics. Labels are fixed enums: never a number or a text."""

from __future__ import annotations

import logging

from fastapi import Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

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
DATABASE_UP = Gauge("smsbot_database_up", "1 if the database answered this scrape, else 0")
OUTBOX_WAITING = Gauge("smsbot_outbox_waiting", "Outbox texts not sent yet, by status", ["status"])
OUTBOX_OLDEST_DUE = Gauge(
    "smsbot_outbox_oldest_due_seconds", "Seconds the longest-overdue unsent outbox text has been due"
)
ALERTS_OPEN = Gauge("smsbot_alerts_open", "Peer alerts not acknowledged yet")
WORKER_HEARTBEAT_AGE = Gauge(
    "smsbot_worker_heartbeat_age_seconds", "Seconds since the newest worker heartbeat (-1: none yet)"
)


def metrics_response() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
