"""Every table (SQLModel on SQLAlchemy 2), one module per side of the program; migrations live in
`migrations/`.

Privacy by shape: no column holds a plain phone number or a keyword text's body. Texters are
found by `phone_index` (keyed HMAC); a number is kept encrypted only where we must text first.
"""

from smsbot.models.directory import Service, ServiceCategory
from smsbot.models.peers import (
    Alert,
    ApiToken,
    Checkin,
    Enrollment,
    OutboxMessage,
    OutboxPendingStatus,
    SendRateBucket,
    Staff,
)
from smsbot.models.staff_side import AuditLog, SignInAttempt, StaffSession, WorkerHeartbeat
from smsbot.models.supply import (
    SupplyAlert,
    SupplyBroadcast,
    SupplyDelivery,
    SupplyReport,
    SupplySubscriber,
    SupplySubscription,
)
from smsbot.models.texting import (
    ConsentRecord,
    Contact,
    DailyCount,
    InboundCounter,
    InboundMessage,
    Suppression,
)
from smsbot.models.wording import WordingVersion

__all__ = [
    "Alert",
    "ApiToken",
    "AuditLog",
    "Checkin",
    "ConsentRecord",
    "Contact",
    "DailyCount",
    "Enrollment",
    "InboundCounter",
    "InboundMessage",
    "OutboxMessage",
    "OutboxPendingStatus",
    "SendRateBucket",
    "Service",
    "ServiceCategory",
    "SignInAttempt",
    "Staff",
    "StaffSession",
    "Suppression",
    "SupplyAlert",
    "SupplyBroadcast",
    "SupplyDelivery",
    "SupplyReport",
    "SupplySubscriber",
    "SupplySubscription",
    "WordingVersion",
    "WorkerHeartbeat",
]
