"""The kill loop: `smsbot tick` sending at a real rate to the fake Twilio, SIGKILLed again and again
at random moments (seeded), then run past every lease. Nobody gets a check-in twice, at most one
per kill is lost in flight (its outcome unknown), and no peer hears "no answer" about anyone who
answered: the ones whose check-in may never have gone out are reported as exactly that.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from datetime import datetime, timedelta

from smsbot.clock import parse_iso
from smsbot.models import OutboxMessage
from tests.checkins_fixtures import *  # noqa: F403
from tests.checkins_fixtures import PEER_PHONE, rows, run_tick
from tests.test_outbox_support import T, join_all, phones, prompts_to

PARTICIPANTS, ROUNDS, SEED = 60, 12, 20260304
WINDOW = 240  # minutes: long enough that the kill rounds (10 minutes apart) all fit in the first one
OB = OutboxMessage.__table__


def _tick(fake, now: datetime) -> subprocess.Popen:
    env = {
        **os.environ,
        "SMSBOT_SENDER": "twilio",
        "TWILIO_API_BASE_URL": fake.base_url,
        "SMSBOT_SEND_RATE": "20",  # paced for real inside the process; the test asserts no timing
        "SMSBOT_LOG_LEVEL": "ERROR",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "smsbot", "tick", "--now", now.isoformat()],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_tick_killed_at_random_moments_sends_each_check_in_at_most_once(
    ctx, client, sms, fake, worker, clock, peer
):
    jamie, numbers = peer(), phones(PARTICIPANTS)
    join_all(sms, worker, clock, jamie, numbers, reply_window_minutes=WINDOW)
    rng, due, kills = random.Random(SEED), parse_iso(T), 0
    for round_ in range(ROUNDS):
        # Each round starts past the last one's lease, so what it held is settled first.
        process = _tick(fake, due + timedelta(minutes=10 * round_))
        target = len(fake.messages) + rng.randint(1, 3)
        fake.wait_for(target, timeout=120, stop=lambda p=process: p.poll() is not None)
        if rng.random() < 0.5:  # sometimes between two sends rather than right after one
            fake.wait_for(target + 1, timeout=rng.uniform(0.0, 0.06))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait(30)
    assert kills >= 10

    settle = _tick(fake, due + timedelta(minutes=10 * ROUNDS + 5))  # past every lease: the rest go
    assert settle.wait(120) == 0

    counts = {number: prompts_to(fake, number) for number in numbers}
    assert set(counts.values()) <= {0, 1}, "a participant got the check-in twice"
    missing = [i for i, number in enumerate(numbers) if counts[number] == 0]
    prompts = rows(ctx, OutboxMessage, OB.c.purpose == "checkin")
    unknown = [row for row in prompts if row.status == "unknown"]
    assert len(missing) <= kills  # at most the one in flight at each kill
    # Those are `unknown` (never "failed", never resent); so may be a few that did go out, if a kill
    # came between Twilio's answer and the write of its SID: the honest outcome.
    assert all(prompts[i].status == "unknown" for i in missing) and len(unknown) >= len(missing)
    assert {row.status for row in prompts} <= {"sent", "unknown"}

    # Everyone who got one answers; then past both reply windows.
    clock.set(due + timedelta(minutes=10 * ROUNDS + 10))
    for number in numbers:
        if counts[number]:
            sms("ok", from_=number)
    run_tick(worker, clock, due + timedelta(minutes=WINDOW + 1))
    run_tick(worker, clock, due + timedelta(minutes=2 * WINDOW + 2))
    run_tick(worker, clock, due + timedelta(minutes=2 * WINDOW + 3))

    alerts = jamie.get("/api/alerts").json()
    assert sorted(alert["nickname"] for alert in alerts) == [f"Q{i:02d}" for i in missing]
    assert {alert["kind"] for alert in alerts} <= {"unconfirmed"}
    told = fake.to(PEER_PHONE)
    assert len(told) == len(missing)
    for text in told:
        assert "could not confirm" in text
        assert any(f"Q{i:02d}" in text for i in missing)
    assert all(prompts_to(fake, number) == counts[number] for number in numbers)
