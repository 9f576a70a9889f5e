"""A fake Twilio REST API on loopback, in a thread (tests) or its own process (benchmarks).
It records what it accepts, answers as scripted (201, 429, 500, 21610, 21211, 21614, or "hang"),
and can enforce a rate like a real number (a token bucket: past it, 429).
"""
# "hang" records the message, then holds the response until released (a crash mid-send).
# `python -m tests.fake_twilio --rate 100` serves it alone and reports its counts at GET /_stats.

from __future__ import annotations

import argparse
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

STOP_CHECK_SECONDS = 0.05  # how often wait_for() looks at its stop() between arriving messages
ERRORS = {
    "429": (429, 20429, "Too Many Requests"),
    "500": (500, 20500, "Internal Server Error"),
    "503": (503, 20503, "Service Unavailable"),
    "21610": (400, 21610, "Attempt to send to unsubscribed recipient"),
    "21211": (400, 21211, "Invalid 'To' Phone Number"),
    "21614": (400, 21614, "'To' number is not a valid mobile number"),
}


@dataclass
class Received:
    to: str
    body: str
    sender: str
    status_callback: str | None
    sid: str
    at: float


@dataclass
class FakeTwilio:
    rate: float | None = None  # enforce this many messages a second (429 past it)
    burst: float | None = None  # token bucket size; default: a tenth of a second's worth (>= 2)
    messages: list[Received] = field(default_factory=list)
    rejected_429: int = 0
    rejected_at: list[float] = field(default_factory=list)
    requests: int = 0
    # The rate limiter's clock (seconds). Tests that pace on an injected clock pass the same one,
    # so enforcement never depends on how fast this machine is.
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        # A condition, not a bare lock: wait_for() wakes when a message arrives instead of polling.
        self._lock = threading.Condition()
        self._script: deque[str] = deque()
        self._script_for: dict[str, deque[str]] = {}
        self.release = threading.Event()
        self.hanging = threading.Event()  # set while a request is held by "hang"
        self._tokens = self._capacity
        self._refilled = self.clock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def _capacity(self) -> float:
        if not self.rate:
            return 0.0
        return self.burst if self.burst is not None else max(2.0, self.rate / 10)

    # --- scripting --------------------------------------------------------------------------

    def script(self, *outcomes: str, to: str | None = None) -> None:
        """Queue outcomes for the next requests (for one recipient, or any): '201', '429', 'hang'..."""
        with self._lock:
            (self._script_for.setdefault(to, deque()) if to else self._script).extend(outcomes)

    def _next_outcome(self, to: str) -> str:
        with self._lock:
            own = self._script_for.get(to)
            if own:
                return own.popleft()
            if self._script:
                return self._script.popleft()
            return "201"

    def _take_token(self) -> bool:
        if not self.rate:
            return True
        with self._lock:
            now = self.clock()
            self._tokens = min(self._capacity, self._tokens + (now - self._refilled) * self.rate)
            self._refilled = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            self.rejected_429 += 1
            self.rejected_at.append(now)
            return False

    # --- reading results --------------------------------------------------------------------

    def to(self, number: str) -> list[str]:
        """Bodies sent to one number, in order."""
        with self._lock:
            return [m.body for m in self.messages if m.to == number]

    def bodies(self) -> list[str]:
        with self._lock:
            return [m.body for m in self.messages]

    def stats(self) -> dict:
        with self._lock:
            recipients = [m.to for m in self.messages]
            times = [m.at for m in self.messages]
        span = (max(times) - min(times)) if len(times) > 1 else 0.0
        return {
            "messages": len(recipients),
            "distinct_recipients": len(set(recipients)),
            "rejected_429": self.rejected_429,
            "requests": self.requests,
            "first_at": min(times) if times else None,
            "last_at": max(times) if times else None,
            "span_seconds": span,
            "rejected_after_seconds": [round(t - min(times), 3) for t in self.rejected_at] if times else [],
        }

    def wait_for(self, count: int, timeout: float = 10.0, stop: Callable[[], bool] | None = None) -> bool:
        """Until `count` messages were received (True), or `stop()` says to give up, or the timeout.
        Woken by each arriving message; `stop()` (a process that ended) is looked at every 50 ms."""
        with self._lock:
            for _ in range(max(1, int(timeout / STOP_CHECK_SECONDS))):
                if len(self.messages) >= count or (stop is not None and stop()):
                    break
                self._lock.wait(STOP_CHECK_SECONDS)
            return len(self.messages) >= count

    def sid_to(self, number: str) -> list[str]:
        """SIDs of the messages sent to one number, in order."""
        with self._lock:
            return [m.sid for m in self.messages if m.to == number]

    # --- serving ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_port}"

    def start(self, port: int = 0) -> FakeTwilio:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *_args) -> None:
                pass

            def _json(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path == "/_stats":
                    self._json(200, fake.stats())
                else:
                    self._json(404, {"message": "not found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                with fake._lock:
                    fake.requests += 1
                if not self.path.endswith("/Messages.json"):
                    self._json(404, {"code": 20404, "message": "not found", "status": 404})
                    return
                if not fake._take_token():
                    self._json(429, {"code": 20429, "message": "Too Many Requests", "status": 429})
                    return
                to = form.get("To", "")
                outcome = fake._next_outcome(to)
                if outcome in ERRORS:
                    status, code, message = ERRORS[outcome]
                    self._json(status, {"code": code, "message": message, "status": status})
                    return
                sid = "SM" + uuid.uuid4().hex
                received = Received(
                    to=to,
                    body=form.get("Body", ""),
                    sender=form.get("From") or form.get("MessagingServiceSid", ""),
                    status_callback=form.get("StatusCallback"),
                    sid=sid,
                    at=fake.clock(),
                )
                with fake._lock:
                    fake.messages.append(received)
                    fake._lock.notify_all()
                if outcome == "hang":  # it reached "Twilio"; the answer never comes back in time
                    fake.hanging.set()
                    fake.release.wait(60)
                self._json(201, {"sid": sid, "status": "queued", "to": to, "body": received.body})

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                pass  # a client killed mid-request (the kill-loop test) is expected, not news

        self.server = Server(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, name="fake-twilio", daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve a fake Twilio REST API on loopback.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rate", type=float, default=None, help="enforce this many messages a second")
    args = parser.parse_args()
    fake = FakeTwilio(rate=args.rate).start(args.port)
    print(fake.base_url, flush=True)
    try:
        threading.Event().wait()  # serve until interrupted
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
