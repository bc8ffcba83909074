"""Key rotation as docs/operations.md walks it, on a live server restarted with new keys:
SECRET_KEY and JWT_SIGNING_KEY replaced, the old ones in SECRET_KEY_FALLBACKS and
JWT_SIGNING_KEY_FALLBACKS. Sessions, API tokens, webhook secrets (encrypted with a key derived
from SECRET_KEY), sandbox payment callbacks and tickets made before still work; whatever is
new is signed with the new keys; `reencrypt_webhook_secrets` then lets the old key go, and
`rotate_webhook_secret` gives a partner a new secret."""

import hashlib
import hmac
import json
import secrets

import httpx
import jwt
import pytest

from tests.support.servers import LiveServer, WebhookReceiver, base_env, manage

pytestmark = [pytest.mark.live]

PASSWORD = "Rotation-Pass-2024!"

SETUP = """
import json
from django.test import Client
from allauth.account.models import EmailAddress
from louage.accounts.models import Role, User
from louage.webhooks import services
from louage.tickets import tokens
from louage.payments.providers import sandbox
import datetime
admin = User.objects.create_superuser("root@louage.tn", "{password}")
user = User.objects.create_user("voyageur@louage.tn", "{password}", first_name="A", last_name="B")
EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
endpoint, secret = services.create_endpoint(by=admin, url="{url}", events=["trip.created"])
web = Client()
web.force_login(user)
print(json.dumps({{
    "endpoint": endpoint.pk, "secret": secret, "session": web.cookies["sessionid"].value,
    "ticket": tokens.issue(code="ABCD2345", trip_id=1, station_id=1, seats=1,
                           day=datetime.date.today() + datetime.timedelta(days=1)),
    "callback_signature": sandbox.sign(b'{{"reference": "x"}}'),
}}))
"""

DELIVER = """
import json
from louage.core import events
from louage.webhooks import services
from louage.webhooks.models import Delivery, Endpoint
event = events.record("trip.created", data={"n": 1})
delivery = Delivery.objects.create(endpoint=Endpoint.objects.get(), event=event)
print(json.dumps(services.deliver(delivery.pk)))
"""

CHECKS = """
import json
from louage.tickets import tokens
from louage.payments.providers import sandbox
from louage.tickets.tokens import TicketRefused
try:
    tokens.read_ticket({ticket!r})
    ticket = "valid"
except TicketRefused as exc:
    ticket = exc.code
print(json.dumps({{
    "ticket": ticket,
    "callback": sandbox.signed_by_us({signature!r}, b'{{"reference": "x"}}'),
}}))
"""


def key():
    return secrets.token_urlsafe(64)


def signed_with(secret, request):
    fields = dict(
        part.split("=", 1) for part in request["headers"]["X-Louage-Signature"].split(",")
    )
    expected = hmac.new(secret.encode(), f"{fields['t']}.".encode() + request["body"],
                        hashlib.sha256).hexdigest()  # fmt: skip
    return hmac.compare_digest(expected, fields["v1"])


def shell(env, code):
    return json.loads(manage(env, "shell", "-c", code).strip().splitlines()[-1])


def test_rotating_the_keys_keeps_what_was_signed_before_and_signs_anew(tmp_path):
    receiver = WebhookReceiver().start()
    old_secret, old_jwt, new_secret, new_jwt = key(), key(), key(), key()
    common = {
        "DEBUG": "true",
        "ALLOWED_HOSTS": "127.0.0.1",
        "WEBHOOKS_ALLOW_PRIVATE": "true",
        "EVENTS_RELAY_INLINE": "false",  # the deliveries below are made by hand
        "ACCOUNT_EMAIL_VERIFICATION": "mandatory",
    }
    before = {**common, "SECRET_KEY": old_secret, "JWT_SIGNING_KEY": old_jwt}
    during = {**common, "SECRET_KEY": new_secret, "JWT_SIGNING_KEY": new_jwt,
              "SECRET_KEY_FALLBACKS": old_secret, "JWT_SIGNING_KEY_FALLBACKS": old_jwt}  # fmt: skip
    after = {**common, "SECRET_KEY": new_secret, "JWT_SIGNING_KEY": new_jwt}
    url = f"sqlite:///{tmp_path / 'louage.sqlite3'}"

    def env(values):
        return base_env(DATABASE_URL=url, LOUAGE_VAR_DIR=tmp_path, **values)

    manage(env(before), "migrate", "--noinput", "-v0")
    made = shell(env(before), SETUP.format(password=PASSWORD, url=receiver.url))
    server = LiveServer(database_url=url, workdir=tmp_path, workers=2, env=before).start()
    try:
        login = httpx.post(server.url + "/api/v1/auth/token",
                           json={"email": "voyageur@louage.tn", "password": PASSWORD})  # fmt: skip
        assert login.status_code == 200, login.text
        old_tokens = login.json()
    finally:
        server.stop()

    # 1. New keys, the old ones as fallbacks.
    server = LiveServer(database_url=url, workdir=tmp_path, workers=2, env=during).start()
    try:
        me = httpx.get(server.url + "/api/v1/me",
                       headers={"Authorization": f"Bearer {old_tokens['access']}"})  # fmt: skip
        assert me.status_code == 200, me.text
        refreshed = httpx.post(server.url + "/api/v1/auth/token/refresh",
                               json={"refresh": old_tokens["refresh"]})  # fmt: skip
        assert refreshed.status_code == 200, refreshed.text
        new_access = refreshed.json()["access"]
        jwt.decode(new_access, new_jwt, algorithms=["HS256"])  # signed with the new key...
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.decode(new_access, old_jwt, algorithms=["HS256"])  # ...not the old one
        page = httpx.get(server.url + "/compte/", cookies={"sessionid": made["session"]})
        assert page.status_code == 200  # the web session made under the old key
    finally:
        server.stop()
    assert shell(env(during), DELIVER) == "succeeded"
    [first] = receiver.received()
    assert signed_with(made["secret"], first)  # the secret encrypted under the old key
    checks = shell(env(during), CHECKS.format(ticket=made["ticket"],
                                             signature=made["callback_signature"]))  # fmt: skip
    assert checks == {"ticket": "valid", "callback": True}

    # 2. The stored secrets under the new key; then the old key can go.
    assert "webhook secrets encrypted under the current key: 1" in manage(
        env(during), "reencrypt_webhook_secrets"
    )
    assert shell(env(after), DELIVER) == "succeeded"
    assert signed_with(made["secret"], receiver.received()[1])
    server = LiveServer(database_url=url, workdir=tmp_path, workers=2, env=after).start()
    try:
        me = httpx.get(server.url + "/api/v1/me",
                       headers={"Authorization": f"Bearer {old_tokens['access']}"})  # fmt: skip
        assert me.status_code == 401  # without the fallback, the old key's tokens are gone
        me = httpx.get(server.url + "/api/v1/me", headers={"Authorization": f"Bearer {new_access}"})
        assert me.status_code == 200
    finally:
        server.stop()
    checks = shell(env(after), CHECKS.format(ticket=made["ticket"],
                                            signature=made["callback_signature"]))  # fmt: skip
    assert checks == {"ticket": "unknown_key", "callback": False}

    # 3. A partner's new webhook secret, printed once, signs what follows.
    partner_secret = manage(env(after), "rotate_webhook_secret", str(made["endpoint"])).strip()
    assert partner_secret.startswith("whsec_") and partner_secret != made["secret"]
    assert shell(env(after), DELIVER) == "succeeded"
    third = receiver.received()[2]
    assert signed_with(partner_secret, third) and not signed_with(made["secret"], third)
    receiver.stop()
