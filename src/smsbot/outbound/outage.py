"""Twilio down (5xx, connection refused, or a text refused as too fast three times running): every
worker stops sending for a short pause, then one probe tries again; texts keep their place in the
queue and are not used up, so nothing is lost. A single 429 only slows the pace (pacing.back_off).
"""
# Such an error is about Twilio, not the text: the row goes back to `queued` with its due time as it was
# (it drains in order once Twilio answers), and the pause is a row shared through the database, so
# every worker and every cron tick waits, on the app clock. A text still failing this way after
# OUTAGE_GIVE_UP is given up like any failed send (the check-in side then tells the peer).

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from smsbot.models import SendRateBucket
from smsbot.upsert import insert_ignore

bucket = SendRateBucket.__table__
ROW = "outage"  # in the pacer's table: the app-clock second (epoch) until which nobody sends
PAUSE = timedelta(seconds=30)
OUTAGE_GIVE_UP = timedelta(hours=3)  # the check-ins' own lateness limit


def pause(conn: Connection, now: datetime) -> None:
    """Nobody sends before now + PAUSE (a later pause already set stands)."""
    until = (now + PAUSE).timestamp()
    moved = conn.execute(
        update(bucket).where(bucket.c.name == ROW, bucket.c.next_free_at < until).values(next_free_at=until)
    ).rowcount
    if not moved:
        conn.execute(insert_ignore(conn, bucket, ["name"]).values(name=ROW, next_free_at=until))


def paused_until(conn: Connection, now: datetime) -> datetime | None:
    """When sending may resume, if it is paused at `now`."""
    until = conn.execute(select(bucket.c.next_free_at).where(bucket.c.name == ROW)).scalar()
    if until is None or until <= now.timestamp():
        return None
    return datetime.fromtimestamp(until, UTC)


def keeps_trying(created_at: datetime | None, now: datetime) -> bool:
    return created_at is None or now - created_at < OUTAGE_GIVE_UP
