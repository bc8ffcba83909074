"""A real SMTP server (aiosmtpd) on loopback that keeps what it receives."""

import email
import email.policy
import threading
import time

from aiosmtpd.controller import Controller

from .servers import free_port


class _Collector:
    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self):
        self.port = free_port()
        self.collector = _Collector()
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    @property
    def messages(self):
        with self.collector.lock:
            return list(self.collector.messages)

    def clear(self):
        with self.collector.lock:
            self.collector.messages.clear()

    def wait_for(self, predicate=lambda m: True, timeout=20):
        """The first received message matching `predicate`, waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages:
                if predicate(message):
                    return message
            time.sleep(0.05)
        raise AssertionError(
            f"no matching email within {timeout}s; got {[m['Subject'] for m in self.messages]}"
        )

    @staticmethod
    def text_of(message):
        part = message.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part else ""
