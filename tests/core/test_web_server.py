"""The web server as `make run` starts it: slow or abusive clients cannot starve it, and every request
reaches Django whole."""

import os
import socket
import time

import pytest
import requests

from apps.core.launcher import web_server_argv
from tests.processes import ManagedProcess, free_port, shop_configured, wait_for

pytestmark = pytest.mark.slow

EVENTS = "/api/v1/events/shop.order_placed"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """A web server (one process, as few threads as possible to starve) on the embedded default."""
    data = tmp_path_factory.mktemp("web")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"}}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", "JUNCTION_DATA_DIR": str(data)}
    env |= {"WEB_THREADS": "2", "WEB_BODY_SECONDS": "3"}
    key = shop_configured(env, subscriber_url="http://127.0.0.1:9")
    port = free_port()
    web = ManagedProcess(web_server_argv(host="127.0.0.1", port=port, workers=1), log_path=data / "web.log", env=env)
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: _answers(f"{base}/healthz"), timeout=60, what="the web server")
    yield base, port, key, web
    web.stop()


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _raw(port: int, head: str, body: bytes = b"") -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", port))
    conn.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
    return conn


def _answer(conn: socket.socket, timeout: float) -> bytes:
    conn.settimeout(timeout)
    received = b""
    try:
        while chunk := conn.recv(65536):
            received += chunk
    except TimeoutError:
        pass
    conn.close()
    return received


def test_fifty_slow_uploads_leave_health_and_the_webhook_answering_then_get_408(hub):
    base, port, key, _ = hub
    head = f"POST {EVENTS} HTTP/1.1\nHost: x\nContent-Type: application/json\nX-API-Key: {key}\nContent-Length: 1000\n"
    slow = [_raw(port, head, b'{"n": 1,') for _ in range(50)]
    time.sleep(0.5)

    assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
    accepted = requests.post(f"{base}{EVENTS}", json={"n": 2}, headers={"X-API-Key": key}, timeout=5)
    assert accepted.status_code == 202, accepted.text

    answers = [_answer(conn, timeout=10) for conn in slow]
    assert all(a.startswith(b"HTTP/1.1 408 ") for a in answers), answers[0]
    assert b'"code": "body_timeout"' in answers[0]


def test_a_body_declared_too_large_is_refused_before_it_is_sent(hub):
    _, port, key, _ = hub
    head = (
        f"POST {EVENTS} HTTP/1.1\nHost: x\nX-API-Key: {key}\nContent-Type: application/json\nContent-Length: 50000000\n"
    )
    answer = _answer(_raw(port, head), timeout=5)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b'"code": "body_too_large"' in answer


def test_a_chunked_body_reaches_django_whole(hub):
    base, _, key, _ = hub

    def chunks():
        yield b'{"n": '
        yield b"3}"

    response = requests.post(
        f"{base}{EVENTS}", data=chunks(), headers={"X-API-Key": key, "Content-Type": "application/json"}, timeout=5
    )
    assert response.status_code == 202, response.text


def test_a_header_spelled_with_underscores_does_not_pass_for_its_dashed_twin(hub):
    base, _, key, _ = hub
    response = requests.post(f"{base}{EVENTS}", json={"n": 4}, headers={"X_API_KEY": key}, timeout=5)
    assert response.status_code == 401


def test_the_access_log_leaves_out_the_query_string_that_may_carry_a_key(hub):
    base, _, key, web = hub
    response = requests.post(f"{base}{EVENTS}?access_key={key}", json={"n": 5}, timeout=5)
    assert response.status_code == 202
    wait_for(lambda: f'"POST {EVENTS}" 202' in web.output(), timeout=5, what="the access log line")
    assert key not in web.output()


def test_an_event_named_in_characters_beyond_latin_1_is_a_json_404(hub):
    base, _, key, _ = hub
    unknown = "/api/v1/events/%F0%BA%8D%AC%F3%81%A4%8F%27%C2%BB"  # a look on the loop, then a thread
    response = requests.post(f"{base}{unknown}", json={"n": 6}, headers={"X-API-Key": key}, timeout=5)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "event_not_found"
