"""`smsbot chat` drives the same pipeline from a terminal or a pipe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_piped_chat_answers_each_line(tmp_path: Path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}",
        "SMSBOT_SECRET_KEY": "chat-test-secret-key-0123456789abcdef",
        "SMSBOT_PROGRAM_NAME": "Test Line",
    }
    result = subprocess.run(
        [sys.executable, "-m", "smsbot", "chat"],
        input="naloxone\nmore\nsites\nSTOP\nnaloxone\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    replies = [line for line in result.stdout.splitlines() if line.startswith("bot> ")]
    assert len(replies) == 5
    assert "aloxone" in replies[0]
    assert replies[1] != replies[0]
    assert "ZIP" in replies[2]
    assert "START" in replies[3]
    assert replies[4].startswith("bot> (no reply: this number opted out")
    assert "+15555550100" not in result.stdout + result.stderr
