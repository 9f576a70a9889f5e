"""A broadcast to 5,000 subscribers with `smsbot tick` processes SIGKILLed mid-way (seeded, at random
moments) and run again: everyone in the area gets the alert once (a text whose attempt a kill cut off
is `unknown`, never resent), nobody outside it, nobody after STOP ALERTS, and a check-in that falls due
during the broadcast goes out before the broadcast ends."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from smsbot.clock import parse_iso
from smsbot.models import OutboxMessage, SupplyBroadcast
from tests.checkins_fixtures import *  # noqa: F403
from tests.test_outbox_support import PROMPT_WORDS, T, join_all, phones
from tests.test_supply_support import OUTSIDE, actor, seed_subscribers, sending_alert

SUBSCRIBERS, OUTSIDERS, SEED = 5000, 200, 20261130
ALERT_WORDS = "drug alert:"
OB, BC = OutboxMessage.__table__, SupplyBroadcast.__table__


def _tick(fake, now) -> subprocess.Popen:
    env = {
        **os.environ,
        "SMSBOT_SENDER": "twilio",
        "TWILIO_API_BASE_URL": fake.base_url,
        "SMSBOT_SEND_RATE": "0",  # unpaced: 500 a batch; the pacer's own tests cover the rate
        "SMSBOT_LOG_LEVEL": "ERROR",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "smsbot", "tick", "--now", now.isoformat()],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _finished(ctx) -> bool:
    with ctx.db.transaction() as conn:
        return conn.execute(select(BC.c.status)).scalar() == "finished"


def _alerts(fake) -> list[str]:
    """Recipients of alert texts, in the order the fake received them."""
    return [m.to for m in list(fake.messages) if ALERT_WORDS in m.body]


def test_a_broadcast_survives_killed_workers_exactly_once(ctx, client, sms, fake, worker, clock, peer):
    # A participant whose check-in falls due while the broadcast is going out.
    (participant,) = phones(1)
    clock.set(parse_iso(T) - timedelta(hours=1))
    join_all(sms, worker, clock, peer(), [participant])
    numbers = seed_subscribers(ctx, SUBSCRIBERS)
    outsiders = seed_subscribers(ctx, OUTSIDERS, zips=(OUTSIDE,), start=SUBSCRIBERS)
    start = parse_iso(T) - timedelta(minutes=5)
    clock.set(start)
    sending_alert(ctx, actor(ctx), start)

    rng, kills, stopped, checkin_at = random.Random(SEED), 0, set(), None
    for round_ in range(40):
        now = start + timedelta(minutes=round_)  # T, when the check-in falls due, comes mid-way
        if round_ == 2:  # some subscribers stop alerts after the alert started, before their turn came
            for number in rng.sample(numbers[2000:], 25):
                assert "no more drug alerts" in sms("STOP ALERTS", from_=number)
                stopped.add(number)
        process = _tick(fake, now)
        if round_ % 2 == 0:  # every other tick is killed somewhere in its sending
            target = len(fake.messages) + rng.randint(1, 400)
            fake.wait_for(target, timeout=120, stop=lambda p=process: p.poll() is not None)
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                kills += 1
        assert process.wait(120) in (0, -signal.SIGKILL)
        if checkin_at is None:
            checkin_at = next(
                (i for i, m in enumerate(fake.messages) if m.to == participant and PROMPT_WORDS in m.body),
                None,
            )
        if round_ % 2 == 1 and _finished(ctx):
            break
    final = _tick(fake, now + timedelta(minutes=10))  # past every lease: whatever was held is settled
    assert final.wait(120) == 0
    assert kills >= 3

    got = Counter(_alerts(fake))
    assert set(got.values()) == {1}, "someone got the alert twice"
    assert not set(got) & set(outsiders), "someone outside the area got it"
    assert not set(got) & stopped, "an alert after STOP ALERTS"
    missing = set(numbers) - set(got) - stopped
    # Only texts whose attempt a kill cut off may be missing, and those are `unknown`, never resent.
    with ctx.db.transaction() as conn:
        unknown = conn.execute(
            select(func.count()).where(OB.c.purpose == "supply_alert", OB.c.status == "unknown")
        ).scalar()
        statuses = set(conn.execute(select(OB.c.status).where(OB.c.purpose == "supply_alert")).scalars())
    assert len(missing) <= unknown <= kills * 16
    assert statuses <= {"sent", "unknown", "cancelled"}  # cancelled: the STOP ALERTS ones
    # The check-in went out before the broadcast ended, though it fell due in the middle of it.
    assert checkin_at is not None
    last_alert = max(i for i, m in enumerate(fake.messages) if ALERT_WORDS in m.body)
    assert checkin_at < last_alert
