"""The local stack's PostgreSQL starts without a word where no login session set a runtime folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_no_runtime_folder_warning_without_a_login_session() -> None:
    # A container, CI or an ssh session without systemd: XDG_RUNTIME_DIR is unset.
    unset = ("XDG_RUNTIME_DIR", "PYTHONWARNINGS")
    env = {key: value for key, value in os.environ.items() if key not in unset}
    done = subprocess.run(
        [sys.executable, "-c", "import devstack.postgres"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
