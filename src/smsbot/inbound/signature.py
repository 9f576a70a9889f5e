"""Twilio request signatures: checked against SMSBOT_PUBLIC_URL + path, never the Host header.

The form is passed to twilio's RequestValidator as the multi-dict it arrived as (repeated keys
and blank values kept), exactly as Twilio signed it.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from functools import lru_cache

from twilio.request_validator import RequestValidator

from smsbot.config import Settings


@lru_cache(maxsize=4)
def _validator(auth_token: str) -> RequestValidator:
    return RequestValidator(auth_token)


def signed_url(settings: Settings, path: str) -> str:
    base = (settings.public_url or "").rstrip("/")
    return f"{base}{path}"


def signature_ok(settings: Settings, path: str, params: Mapping, signature: str | None) -> bool:
    """True if `signature` is Twilio's for this form at our public URL.

    Only in development, and only with checks switched off or no auth token to check with, is an
    unsigned request let through (production refuses to start without a token).
    """
    if settings.env == "development" and not (settings.validate_signatures and settings.twilio_auth_token):
        return True
    if not signature or not settings.twilio_auth_token or not settings.public_url:
        return False
    validator, url = _validator(settings.twilio_auth_token), signed_url(settings, path)
    # Twilio signs the URL as configured: one HMAC settles almost every request. Only a mismatch pays
    # for `validate`, which also tries the URL with and without its port, as Twilio's back end varies.
    if hmac.compare_digest(validator.compute_signature(url, params), signature):
        return True
    return validator.validate(url, params, signature)
