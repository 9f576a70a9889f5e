"""Helpers for the drug-supply alert tests: staff actors, subscribers seeded in bulk (thousands without
thousands of webhook calls), an alert taken through the staff services to `sending`, and reading what
the fake Twilio received."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from smsbot.actor import Actor, Door
from smsbot.context import AppContext
from smsbot.models import Contact, SupplySubscriber, SupplySubscription
from smsbot.replies.wording import Wording
from smsbot.staff.service import create_staff
from smsbot.supply import alerts, sending

IN_AREA = ("22902", "22903")  # Charlottesville
OUTSIDE = "10001"  # New York
ALERT_EN = "Pills sold as oxycodone near downtown have fentanyl and xylazine. Go slow, do not use alone."
ALERT_ES = "Pastillas vendidas como oxicodona en el centro tienen fentanilo y xilacina. Ve despacio."


def actor(ctx: AppContext, name: str = "Pat Peer", role: str = "peer") -> Actor:
    staff_id = create_staff(ctx, name, role).staff_id
    return Actor(staff_id=staff_id, role=role, door=Door.API, name=name)


def number(i: int) -> str:
    return f"+1303{i:07d}"


def seed_subscribers(
    ctx: AppContext, count: int, zips: tuple[str, ...] = IN_AREA, start: int = 0, language: str = "en"
) -> list[str]:
    """`count` subscribers (contact with an encrypted number, subscriber, ZIP), in bulk; their numbers."""
    contact, sub, zip_t = Contact.__table__, SupplySubscriber.__table__, SupplySubscription.__table__
    now, numbers = ctx.clock.now(), [number(i) for i in range(start, start + count)]
    with ctx.db.transaction() as conn:
        ids = (
            conn.execute(
                contact.insert().returning(contact.c.id, sort_by_parameter_order=True),
                [
                    {
                        "phone_index": ctx.vault.index(e164),
                        "phone_ciphertext": ctx.vault.encrypt(e164),
                        "language": language,
                        "created_at": now,
                        "last_seen_at": now,
                    }
                    for e164 in numbers
                ],
            )
            .scalars()
            .all()
        )
        subs = (
            conn.execute(
                sub.insert().returning(sub.c.id, sort_by_parameter_order=True),
                [{"contact_id": i, "language": language, "created_at": now} for i in ids],
            )
            .scalars()
            .all()
        )
        rows = [{"subscriber_id": s, "zip_code": zips[k % len(zips)]} for k, s in enumerate(subs)]
        conn.execute(zip_t.insert(), rows)
    return numbers


def sending_alert(
    ctx: AppContext,
    author: Actor,
    now: datetime,
    *,
    zips: tuple[str, ...] = IN_AREA,
    text_en: str | None = ALERT_EN,
    text_es: str | None = ALERT_ES,
    report_ids: list[int] | None = None,
) -> int:
    """An alert drafted, given its area and texts, and sent (one person, the default setting)."""
    wording = Wording.from_settings(ctx.settings)
    with ctx.db.transaction() as conn:
        draft = alerts.draft_alert(
            conn, author, now, report_ids=report_ids or [], text_en=text_en, text_es=text_es, zips=list(zips)
        )
        sending.send_alert(conn, author, now, draft.id, wording=wording, vault=ctx.vault, two_person=False)
    return draft.id


def received(fake, numbers: list[str]) -> Counter:
    """How many texts each of these numbers got."""
    wanted = set(numbers)
    return Counter(m.to for m in fake.messages if m.to in wanted)
