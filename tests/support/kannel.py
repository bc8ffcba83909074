"""A real Kannel SMS gateway for the tests: bearerbox and smsbox from Debian's `kannel`
package, with the fake SMSC (`fakesmsc`, Debian's `kannel-extras`) standing in for an
operator's SMS centre. Everything listens on 127.0.0.1, on free ports, from a kannel.conf
written for the session.

fakesmsc prints every message bearerbox hands it ("Got message N: <from to type text>"), and
sends what is written to its standard input as messages from phones (MO). bearerbox's fake
SMSC answers each message with the delivery reports its dlr-mask asks for (SMSC accepted, then
delivered), which smsbox passes to the message's dlr-url.
"""

import os
import re
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from .servers import MissingSystemPackage, free_port

BEARERBOX = "/usr/sbin/bearerbox"
SMSBOX = "/usr/sbin/smsbox"
FAKESMSC = "/usr/lib/kannel/test/fakesmsc"

_GOT = re.compile(r"Got message \d+: <(.*)>$")


def _bytes(urlencoded):
    # Kannel's url-encoding writes a space as "+".
    return urllib.parse.unquote_to_bytes(urlencoded.replace("+", "%20"))


class KannelGateway:
    """bearerbox + smsbox + fakesmsc. `env()` gives Louage's settings to talk to it; `start()`
    takes the address Kannel's sms-service calls for messages from phones."""

    def __init__(self):
        for binary, package in ((BEARERBOX, "kannel"), (SMSBOX, "kannel"),
                                (FAKESMSC, "kannel-extras")):  # fmt: skip
            if not os.access(binary, os.X_OK):
                raise MissingSystemPackage(f"{binary} is missing: apt-get install {package}")
        self.dir = Path(tempfile.mkdtemp(prefix="louage-kannel-"))
        self.admin_port = free_port()
        self.smsbox_port = free_port()
        self.smsc_port = free_port()
        self.sendsms_port = free_port()
        self.username = "louage"
        self.password = secrets.token_urlsafe(12)
        self.inbound_token = secrets.token_urlsafe(32)
        self.sender = "LOUAGE"
        self.sendsms_url = f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"
        self.processes = []
        self._lines = []
        self._lock = threading.Lock()
        self._fakesmsc = None

    def env(self):
        """Louage's settings for this gateway (environment variables of a live server)."""
        return {
            "SMS_BACKEND": "kannel",
            "KANNEL_SENDSMS_URL": self.sendsms_url,
            "KANNEL_USERNAME": self.username,
            "KANNEL_PASSWORD": self.password,
            "KANNEL_FROM": self.sender,
            "KANNEL_INBOUND_TOKEN": self.inbound_token,
        }

    def _config(self, inbound_url):
        get_url = f"{inbound_url}?from=%p&text=%a&token={urllib.parse.quote(self.inbound_token)}"
        return f"""
group = core
admin-port = {self.admin_port}
admin-password = {secrets.token_urlsafe(12)}
admin-interface = 127.0.0.1
smsbox-port = {self.smsbox_port}
smsbox-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
admin-allow-ip = 127.0.0.1
log-file = "{self.dir}/bearerbox.log"
log-level = 1
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = fake
port = {self.smsc_port}
our-host = 127.0.0.1
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {self.smsbox_port}
sendsms-port = {self.sendsms_port}
sendsms-interface = 127.0.0.1
log-file = "{self.dir}/smsbox.log"
log-level = 1
mo-recode = true

group = sendsms-user
username = {self.username}
password = {self.password}
concatenation = true
max-messages = 5
user-allow-ip = 127.0.0.1

group = sms-service
keyword = default
catch-all = true
get-url = "{get_url}"
omit-empty = true
accept-x-kannel-headers = false
"""

    def start(self, inbound_url, timeout=30):
        conf = self.dir / "kannel.conf"
        conf.write_text(self._config(inbound_url))
        self._spawn([BEARERBOX, str(conf)], "bearerbox.out")
        self._wait_port(self.smsbox_port, timeout)
        self._wait_port(self.smsc_port, timeout)
        self._fakesmsc = self._spawn(
            [FAKESMSC, "-H", "127.0.0.1", "-r", str(self.smsc_port), "-i", "0", "-v", "0"],
            None,
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        threading.Thread(target=self._read_fakesmsc, daemon=True).start()
        self._spawn([SMSBOX, str(conf)], "smsbox.out")
        self._wait_port(self.sendsms_port, timeout)
        return self

    def _spawn(self, command, log_name, **kwargs):
        if log_name:
            with open(self.dir / log_name, "ab") as log:
                process = subprocess.Popen(
                    command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
        else:
            process = subprocess.Popen(command, start_new_session=True, **kwargs)
        self.processes.append(process)
        return process

    @staticmethod
    def _wait_port(port, timeout):
        import socket

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"Kannel did not open port {port}")

    def _read_fakesmsc(self):
        for raw in self._fakesmsc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            found = _GOT.search(line)
            if found:
                with self._lock:
                    self._lines.append(found.group(1))

    # --- what reaches the SMS centre ---------------------------------------------------------

    def received(self):
        """Every message bearerbox handed the SMS centre, decoded, the parts of a long message
        joined: dicts of sender, receiver, coding ("text" or "ucs-2"), parts and text."""
        with self._lock:
            lines = list(self._lines)
        messages, long_ones = [], {}
        for line in lines:
            sender, receiver, coding, data = line.split(" ", 3)
            if coding != "udh":
                messages.append(self._message(sender, receiver, coding, data, 1))
                continue
            # "udh <header> data <part>": a part of a concatenated message (UDH IE 0x00).
            udh, _, part = data.partition(" data ")
            header = urllib.parse.unquote_to_bytes(udh.replace("+", "%20"))
            reference, total, number = header[3], header[4], header[5]
            key = (sender, receiver, reference)
            long_ones.setdefault(key, {})[number] = _bytes(part)
            if all(i in long_ones[key] for i in range(1, total + 1)):
                parts = long_ones.pop(key)
                whole = b"".join(parts[i] for i in range(1, total + 1))
                messages.append(self._message(sender, receiver, "udh", whole, total))
        return messages

    @staticmethod
    def _message(sender, receiver, coding, data, parts):
        if coding == "ucs-2":
            text = _bytes(data).decode("utf-16-be")
        elif coding == "udh":
            # The coding is not on the line. Text never holds a NUL byte; UCS-2 has one in
            # every space, digit and Latin letter.
            coding = "ucs-2" if b"\x00" in data else "text"
            text = data.decode("utf-16-be" if coding == "ucs-2" else "utf-8")
        elif coding == "data":
            text = _bytes(data).decode("latin-1")
        else:
            text = data
        return {"sender": sender, "receiver": receiver, "coding": coding, "parts": parts,
                "text": text}  # fmt: skip

    def wait_for(self, predicate, timeout=30):
        """The first received message matching `predicate`, waiting for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.received():
                if predicate(message):
                    return message
            time.sleep(0.1)
        with self._lock:
            lines = "\n".join(self._lines)
        raise AssertionError(f"no such message at the SMS centre; it received:\n{lines}")

    def send_from_phone(self, sender, text, receiver="85000"):
        """A traveller's phone sends `text` (MO): through the SMS centre to bearerbox, smsbox
        and the sms-service's get-url. Arabic goes as UCS-2, like a phone sends it."""
        if all(ord(char) < 128 for char in text):
            line = f"{sender} {receiver} text {text}\n"
        else:
            line = f"{sender} {receiver} ucs2 {urllib.parse.quote(text.encode('utf-16-be'))}\n"
        self._fakesmsc.stdin.write(line.encode())
        self._fakesmsc.stdin.flush()

    def sendsms(self, **params):
        """A direct sendsms request, as any client of smsbox would make: (status, body)."""
        query = urllib.parse.urlencode(
            {"username": self.username, "password": self.password, **params}
        )
        try:
            with urllib.request.urlopen(f"{self.sendsms_url}?{query}", timeout=10) as response:  # noqa: S310
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def log(self, name="smsbox.log"):
        try:
            return (self.dir / name).read_text(errors="replace")
        except OSError:
            return ""

    def stop(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
        shutil.rmtree(self.dir, ignore_errors=True)
