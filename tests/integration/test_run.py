"""`jourbot run` with nothing configured: the console channel plus the health check."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_run_without_credentials_serves_console_and_health(tmp_path: Path) -> None:
    """A newcomer's first start: it says so, answers /healthz, and talks on the terminal."""
    port = free_port()
    env = {
        **os.environ,
        "JOURBOT_DB": str(tmp_path / "jourbot.db"),
        "JOURBOT_PORT": str(port),
        "PYTHONIOENCODING": "utf-8",
    }
    for name in ("TELEGRAM_BOT_TOKEN", "TWILIO_ACCOUNT_SID", "PUBLIC_URL", "JOURBOT_CONFIG"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        status = None
        deadline = time.monotonic() + 30
        while status != 200 and time.monotonic() < deadline:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code
            except httpx.TransportError:
                time.sleep(0.1)
        assert status == 200
        out, err = process.communicate("2\n/stop\n", timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "channels.none_configured" in err
    assert "config.unconfirmed organisation vasterort" in err
    assert "Vilket språk vill du skriva på?" in out  # Swedish until the seeker picks
    assert "Hello. This is victim support in Stockholm" in out
    assert "All right, we have stopped." in out
