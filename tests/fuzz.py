"""Fuzz a running hub from its own OpenAPI schema with schemathesis: any 5xx, or any answer that does not
match the schema, fails the run.

``make fuzz`` (``python -m tests.fuzz``): a hub of its own on the embedded default (the web server as
``make run`` starts it), a staff session and a producer's API key, every operation of the schema,
``FUZZ_EXAMPLES`` cases each (default 25), bounded by ``FUZZ_SECONDS`` (default 240).
"""

import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request

import requests

from apps.core.launcher import web_server_argv
from tests.processes import REPO_DIR, free_port

CONFIGURE = """
from django.contrib.auth.models import User
from apps.hub.models import EventType, System
from apps.hub.services import api_key_create
from apps.eventlog.models import LogAccess

User.objects.create_superuser("fuzz", "fuzz@example.com", "{password}")
shop = System.objects.create(name="Fuzz shop", role=System.Role.PRODUCER)
EventType.objects.create(system=shop, name="order placed", identifier="fuzz.order_placed")
LogAccess.objects.create(system=shop, commands=["SelectChecks", "SelectHostChecks", "RequestHostDeregistration"])
print(api_key_create(system=shop, name="fuzz")[1])
"""


def main() -> int:
    data_dir = tempfile.mkdtemp(prefix="junction-fuzz-")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"}}
    env |= {"JUNCTION_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "config.settings"}
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=REPO_DIR, env=env, check=True, stdout=subprocess.DEVNULL)
    password = secrets.token_urlsafe(16)
    script = CONFIGURE.replace("{password}", password)
    configured = subprocess.run([*manage, "shell", "-c", script], cwd=REPO_DIR, env=env, check=True,
                                capture_output=True, text=True)  # fmt: skip
    api_key = configured.stdout.strip().splitlines()[-1]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = subprocess.Popen(
        web_server_argv(host="127.0.0.1", port=port, workers=2), cwd=REPO_DIR,
        # The fuzzer reads the event log too: waits and Server-Sent Events end within a second.
        env={**env, "LOG_LEVEL": "WARNING", "EVENTLOG_MAX_WAIT_SECONDS": "1", "EVENTLOG_STREAM_SECONDS": "1"},
    )  # fmt: skip
    try:
        _wait_for(f"{base}/healthz")
        session = requests.Session()
        session.get(f"{base}/admin/login/")
        csrf = session.cookies["csrftoken"]
        session.post(f"{base}/admin/login/?next=/admin/", data={"username": "fuzz", "password": password,
                     "csrfmiddlewaretoken": csrf}, headers={"Referer": f"{base}/admin/login/"})  # fmt: skip
        cookie = f"sessionid={session.cookies['sessionid']}; csrftoken={csrf}"
        argv = [
            sys.executable, "-m", "schemathesis.cli", "run", f"{base}/api/schema/",
            "--checks", "not_a_server_error,response_schema_conformance",
            # One worker: hypothesis's lambda descriptions race in threads ("AST constructor recursion depth").
            "--max-examples", os.environ.get("FUZZ_EXAMPLES", "25"), "--workers", "1", "--seed", "1",
            "-H", f"Cookie: {cookie}", "-H", f"X-CSRFToken: {csrf}", "-H", f"Referer: {base}/",
            "-H", f"X-API-Key: {api_key}", "--no-color",
            # The test e-mail would connect to whatever SMTP server the fuzzer just stored: off loopback.
            "--exclude-path", "/api/v1/settings/alerting/test",
        ]  # fmt: skip
        return subprocess.run(argv, cwd=REPO_DIR, timeout=int(os.environ.get("FUZZ_SECONDS", 240))).returncode
    finally:
        web.terminate()
        web.wait(timeout=30)


def _wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout}s")


if __name__ == "__main__":
    sys.exit(main())
