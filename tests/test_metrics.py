"""/metrics: summed across web processes (`smsbot serve --workers 2`), the figures read from the
database (check-ins, outbox texts, alerts), and never a number or a text in a label.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx

from smsbot.clock import parse_iso
from tests.checkins_fixtures import *  # noqa: F403
from tests.checkins_fixtures import PARTICIPANT, enroll, run_tick
from tests.conftest import PUBLIC_URL, REPO_ROOT, metric_value, sign
from tests.serve_support import serving
from tests.test_outbox_support import T


def _text(base: str, i: int) -> int:
    form = {
        "MessageSid": f"SM{i:032d}",
        "AccountSid": "AC" + "0" * 32,
        "From": f"+1202555{i:04d}",
        "To": "+15550001111",
        "Body": "NALOXONE",
    }
    signature = sign(f"{PUBLIC_URL}/twilio/sms", form)
    # A new connection each time, so the kernel hands the texts to both web processes.
    with httpx.Client(base_url=base, headers={"Connection": "close"}) as client:
        return client.post("/twilio/sms", data=form, headers={"X-Twilio-Signature": signature}).status_code


def test_serve_with_two_workers_sums_both_in_metrics(tmp_path: Path):
    with serving(tmp_path, 2, SMSBOT_RATE_LIMIT_PER_MINUTE="1000") as (server, base):
        texts = 40
        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(lambda i: _text(base, i), range(texts))) == {200}
        # Every scrape, whichever process answers it, counts all 40 texts and all 40 replies.
        for _ in range(6):
            metrics = httpx.get(f"{base}/metrics", headers={"Connection": "close"}).text
            assert metric_value(metrics, "smsbot_inbound_texts_total") == texts
            assert metric_value(metrics, "smsbot_replies_total", result="message") == texts
        pids = {
            name.split("_")[-1].removesuffix(".db")
            for name in os.listdir(_multiproc_dir(server.pid))
            if name.startswith("counter_")
        }
        assert len(pids) >= 2, "both web processes should have counted texts"


def _multiproc_dir(pid: int) -> str:
    """The metrics directory `smsbot serve` made for its web processes (in their environment)."""
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        with open(f"/proc/{child}/environ", "rb") as handle:
            environ = dict(item.split(b"=", 1) for item in handle.read().split(b"\0") if b"=" in item)
        if b"PROMETHEUS_MULTIPROC_DIR" in environ:
            return environ[b"PROMETHEUS_MULTIPROC_DIR"].decode()
    raise AssertionError("no web process was given PROMETHEUS_MULTIPROC_DIR")


def test_metrics_read_check_ins_alerts_and_outbox_texts_from_the_database(
    ctx, client, sms, fake, worker, clock, peer
):
    jamie = peer()
    enroll(jamie)
    run_tick(worker, clock)
    sms("JOIN")
    run_tick(worker, clock, T)  # the check-in goes out
    run_tick(worker, clock, parse_iso(T) + timedelta(minutes=61))  # a reminder
    run_tick(worker, clock, parse_iso(T) + timedelta(minutes=122))  # no reply: the peer is alerted
    (alert,) = jamie.get("/api/alerts").json()
    clock.set(clock.now() + timedelta(minutes=30))
    assert jamie.post(f"/api/alerts/{alert['id']}/ack").status_code in (200, 204)
    metrics = client.get("/metrics").text
    assert metric_value(metrics, "smsbot_checkins_24h", status="no_reply") == 1
    assert metric_value(metrics, "smsbot_outbox_texts_24h", purpose="checkin", status="sent") == 1
    assert metric_value(metrics, "smsbot_outbox_texts_24h", purpose="reminder") == 1
    assert metric_value(metrics, "smsbot_alert_ack_seconds", quantile="0.5") >= 30 * 60
    assert metric_value(metrics, "smsbot_alerts_open") == 0
    # No number, no text: the participant's digits and the check-in's words appear nowhere.
    assert PARTICIPANT[2:] not in metrics and "checking in" not in metrics
    assert REPO_ROOT.exists()
