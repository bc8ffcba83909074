"""A real SMTP server (aiosmtpd) on loopback that keeps what it receives."""

import email
import email.message
import email.policy
import html
import re
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


# --- What a reader gets: the text and HTML parts, in the recipient's language -----------------

GREETINGS = {"fr": "Bonjour", "en": "Hello", "ar": "مرحبا"}
LINK = re.compile(r"""https?://[^\s"'<>]+""")


def received(message):
    """A Django EmailMessage as a mail client reads it (the same type the SMTP server keeps)."""
    if isinstance(message, email.message.EmailMessage):
        return message
    return email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)


def parts(message):
    """{"plain": text, "html": text} of a message (its first part of each kind)."""
    message = received(message)
    found = {}
    for kind in ("plain", "html"):
        part = message.get_body(preferencelist=(kind,))
        if part is not None:
            found[kind] = part.get_content()
    return found


def links(message):
    """Every http(s) link of both parts, in order, without repeats (HTML entities decoded)."""
    found = []
    for text in parts(message).values():
        for url in LINK.findall(html.unescape(text)):
            url = url.rstrip(".,;)")
            if url not in found:
                found.append(url)
    return found


def assert_in_language(message, language):
    """Text and HTML parts, both greeting the reader in `language` (and in no other), the HTML
    declaring it (right-to-left for Arabic), the text part never HTML-escaped."""
    got = parts(message)
    assert set(got) == {"plain", "html"}, (received(message)["Subject"], list(got))
    for kind, text in got.items():
        assert GREETINGS[language] in text, (kind, text[:300])
        others = [g for code, g in GREETINGS.items() if code != language and g in text]
        assert others == [], (kind, others, text[:300])
    assert f'lang="{language}"' in got["html"]
    assert ('dir="rtl"' in got["html"]) == (language == "ar")
    assert not re.search(r"&(#x?[0-9a-fA-F]+|amp|lt|gt|quot);", got["plain"]), got["plain"]
    subject = str(received(message)["Subject"]).strip()
    assert subject.startswith("[Louage] "), subject
