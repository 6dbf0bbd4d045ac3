"""A real SMTP server on loopback (aiosmtpd) that keeps every e-mail it receives."""

import email
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

from tests.processes import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def alerting_on(admin_client, smtp_server):
    """Alerting switched on by a person, through the API, towards the test's SMTP server."""
    settings = {
        "enabled": True,
        "smtp_server": "127.0.0.1",
        "smtp_port": smtp_server.port,
        "sender": "junction@example.com",
        "recipients": ["ops@example.com", "sap-team@example.com"],
    }
    response = admin_client.patch("/api/v1/settings/alerting", settings, content_type="application/json")
    assert response.status_code == 200, response.content
    return smtp_server
