"""Outages under load, with real processes: a web server, a Celery worker (and its delivery engine), a
private redis-server (broker and cache) and a private PostgreSQL cluster, while producers keep sending.

Redis is stopped for a while, then PostgreSQL is restarted. Every answer must be a 202 (stored) or a
JSON 503 with Retry-After (nothing stored); every accepted event must reach the subscriber once the
services are back; and the hub must accept events again soon after each service returns.
"""

import itertools
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass

import psycopg
import pytest
import requests

from apps.core.launcher import web_server_argv
from tests.processes import ManagedProcess, PrivatePostgres, PrivateRedis, free_port, shop_configured, wait_for
from tests.subscriber import Subscriber

pytestmark = pytest.mark.slow
logger = logging.getLogger(__name__)  # the figures: pytest --log-cli-level=INFO


@dataclass(frozen=True)
class Answer:
    n: int
    at: float
    status: int  # 0: no HTTP answer at all
    code: str = ""
    retry_after: str | None = None


class Producers:
    """Threads sending one event after another, each with its own number ``n``; every answer is kept."""

    def __init__(self, url: str, key: str, threads: int = 4) -> None:
        self.url, self.key = url, key
        self.numbers = itertools.count()
        self.answers: list[Answer] = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._send, daemon=True) for _ in range(threads)]

    def __enter__(self) -> "Producers":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def _send(self) -> None:
        session = requests.Session()
        while not self.stopping.is_set():
            n = next(self.numbers)
            try:
                response = session.post(self.url, json={"n": n}, headers={"X-API-Key": self.key}, timeout=20)
            except requests.RequestException:
                self.answers.append(Answer(n, time.monotonic(), 0))
                continue
            code = response.json().get("error", {}).get("code", "") if response.status_code != 202 else ""
            self.answers.append(
                Answer(n, time.monotonic(), response.status_code, code, response.headers.get("Retry-After"))
            )
            if response.status_code != 202:
                time.sleep(0.05)

    def first_accepted_after(self, moment: float) -> float:
        return min(a.at for a in self.answers if a.status == 202 and a.at > moment) - moment


@pytest.fixture
def services(tmp_path):
    postgres, redis_server = PrivatePostgres(), PrivateRedis()
    if not postgres.available or redis_server.binary is None:
        pytest.skip("needs PostgreSQL's initdb and redis-server")
    postgres.start()
    redis_server.start()
    yield postgres, redis_server
    if redis_server.proc.poll() is None:
        redis_server.stop()
    postgres.remove()


def test_outages_lose_nothing_accepted_and_answer_no_5xx_but_a_json_503(services, tmp_path):
    postgres, redis_server = services
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": postgres.url,
        "CELERY_BROKER_URL": redis_server.url(0),
        "REDIS_URL": redis_server.url(1),
        "JUNCTION_DATA_DIR": str(tmp_path),
        "OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1/32",
    }
    with Subscriber() as subscriber:
        key = shop_configured(env, subscriber_url=subscriber.url)
        port = free_port()
        web = ManagedProcess(
            web_server_argv(host="127.0.0.1", port=port, workers=1), log_path=tmp_path / "web.log", env=env
        )
        worker_argv = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
        ]
        worker = ManagedProcess(worker_argv, log_path=tmp_path / "worker.log", env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(lambda: _healthy(base), timeout=60, what="the web server")
            with Producers(f"{base}/api/v1/events/shop.order_placed", key) as producers:
                time.sleep(3)
                redis_down = _outage(redis_server.stop, 5, redis_server.start)
                time.sleep(3)
                postgres_down = _outage(postgres.stop, 2, postgres.start)
                time.sleep(4)
            answers = producers.answers
            accepted = {a.n for a in answers if a.status == 202}
            refused = [a for a in answers if a.status != 202]

            # Nothing but 202 and the JSON 503 of a database that is away, and never an answer-less request.
            assert {(a.status, a.code, a.retry_after) for a in refused} <= {(503, "database_unavailable", "5")}
            stored = _stored_numbers(postgres.url)
            assert accepted <= stored, f"accepted but not stored: {sorted(accepted - stored)[:10]}"
            assert not {a.n for a in refused} & stored, "a refused event was stored (the producer would resend it)"
            assert len(accepted) > 100

            def delivered() -> set[int]:
                return {int(r.json()["n"]) for r in list(subscriber.received)}

            wait_for(lambda: accepted <= delivered(), timeout=120, interval=0.5, what="every accepted event delivered")
            for outage, (start, end) in {"Redis stopped": redis_down, "PostgreSQL stopped": postgres_down}.items():
                during = [a for a in answers if start <= a.at <= end]
                logger.info(
                    "%s for %.1f s: %d requests, %d accepted, %d refused (JSON 503), 0 lost; first event accepted "
                    "%.2f s after it was back",
                    *(outage, end - start, len(during), sum(a.status == 202 for a in during)),
                    *(sum(a.status != 202 for a in during), producers.first_accepted_after(end)),
                )
        except AssertionError as failure:
            logs = f"--- web\n{web.output()[-3000:]}\n--- worker\n{worker.output()[-3000:]}"
            raise AssertionError(f"{failure}\n{logs}") from None
        finally:
            web.stop()
            worker.stop()


def _outage(stop, seconds: float, start) -> tuple[float, float]:
    """Stop a service for ``seconds``; the moments it went away and was back."""
    down = time.monotonic()
    stop()
    time.sleep(seconds)
    start()
    return down, time.monotonic()


def _healthy(base: str) -> bool:
    try:
        return requests.get(f"{base}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _stored_numbers(url: str) -> set[int]:
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as db:
        rows = db.execute(
            "SELECT data->'body'->>'n' FROM eventstore_eventrecord WHERE event_type = 'shop.order_placed'"
        )
        return {int(n) for (n,) in rows}
