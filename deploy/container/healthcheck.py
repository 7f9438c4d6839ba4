"""The container's health check: exit 0 when the app answers ``/_stcore/health`` with
``ok`` (Streamlit answers 503 until its runtime is up), 1 otherwise.

    python deploy/container/healthcheck.py [PORT]      # default $PORT, else 8501

Python, not curl: the slim image has no curl, and this needs nothing but the standard
library.
"""

import os
import sys
import urllib.request


def healthy(port: int, timeout: float = 2.5) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=timeout) as r:
            return r.status == 200 and r.read().strip() == b"ok"
    except OSError:
        return False


if __name__ == "__main__":
    port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORT", "8501"))
    sys.exit(0 if healthy(port) else 1)
