"""Phone numbers at rest: E.164 normalisation, AEAD encryption and a keyed lookup index.

A phone number is never stored or logged in plain text. Rows find a texter through
`phone_index` (HMAC-SHA256 under a key derived from the master secret); the number itself is
kept encrypted (AES-256-GCM) only where we must text someone first (check-ins, peers).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass

import phonenumbers
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12


class InvalidPhone(ValueError):
    """The text is not a usable phone number (the message never repeats the number)."""


def normalize_phone(raw: str, default_region: str = "US") -> str:
    """E.164 form of a phone number, e.g. '+15555550123'."""
    try:
        parsed = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone("not a phone number") from None
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhone("not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_long_number(raw: str) -> bool:
    """True for a full E.164 number a person could be texting from.

    Short codes ("12345") and alphanumeric sender ids ("ACMEBANK") are not: the line never
    auto-replies to them (they are services, and answering them can loop).
    """
    if not raw.startswith("+"):
        return False
    digits = raw[1:]
    return digits.isdigit() and 8 <= len(digits) <= 15


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"smsbot/v1", info=purpose).derive(master)


@dataclass(frozen=True)
class PhoneVault:
    """Keys derived from the master secret, and the operations that use them."""

    index_key: bytes
    encryption_key: bytes
    # During a key rotation (keys.py): the vault of the old master key, read but never written.
    previous: PhoneVault | None = None

    @classmethod
    def from_master(cls, master: bytes, previous: bytes | None = None) -> PhoneVault:
        return cls(
            index_key=_derive(master, b"phone-index"),
            encryption_key=_derive(master, b"phone-aead"),
            previous=cls.from_master(previous) if previous else None,
        )

    @property
    def encryption_keys(self) -> list[bytes]:
        """The current encryption key, then the previous one while a rotation runs."""
        return [self.encryption_key] + ([self.previous.encryption_key] if self.previous else [])

    def index(self, e164: str) -> str:
        """Keyed hash used to find a number's rows; stable across restarts, useless without the key."""
        return hmac.new(self.index_key, e164.encode(), hashlib.sha256).hexdigest()

    def keyed_hash(self, value: str, purpose: str) -> str:
        """Keyed hash of any identifier we must keep as evidence (e.g. a MessageSid for consent)."""
        return hmac.new(self.index_key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    def encrypt(self, e164: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        # The associated data binds the ciphertext to its index: a swapped row fails to decrypt.
        return nonce + AESGCM(self.encryption_key).encrypt(nonce, e164.encode(), self.index(e164).encode())

    def decrypt(self, blob: bytes, index: str) -> str:
        """The number; a row not yet rotated (old key, old index) reads with the previous key."""
        nonce, ciphertext = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
        try:
            return AESGCM(self.encryption_key).decrypt(nonce, ciphertext, index.encode()).decode()
        except InvalidTag:
            if self.previous is None:
                raise
            return self.previous.decrypt(blob, index)


def last4(e164: str) -> str:
    return e164[-4:]
