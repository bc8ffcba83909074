"""Finding 3: app admins are not superusers.

Attack: an account with role `admin` (not a Django superuser) changed the superuser's email
and role through PATCH /api/v1/users/{id}; a demoted admin kept `is_staff`/`is_superuser`
and with them the Django admin site.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import IntegrityError

from louage.accounts.models import Role, User
from tests.factories import AdminFactory, ChiefFactory, ClientFactory
from tests.support.web import api_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return AdminFactory(email="root@example.tn", is_staff=True, is_superuser=True)


@pytest.fixture
def app_admin():
    return AdminFactory(email="ops@example.tn")


def test_an_app_admin_cannot_edit_demote_or_delete_a_superuser_through_the_api(
    api, superuser, app_admin
):
    caller = api(app_admin)
    for method, payload in (
        ("patch", {"email": "ops-owns-it@example.tn"}),
        ("patch", {"role": "client"}),
        ("patch", {"first_name": "Pwned"}),
        ("delete", None),
    ):
        response = getattr(caller, method)(f"users/{superuser.pk}", payload)
        assert response.status_code == 403, (method, payload, response.content)
        # Nobody points another's login elsewhere (owner_only); the rest is the superuser's.
        assert response.json()["code"] in {"superuser_protected", "owner_only"}
    superuser.refresh_from_db()
    assert (superuser.email, superuser.role, superuser.first_name, superuser.is_active) == (
        "root@example.tn",
        Role.ADMIN,
        superuser.first_name,
        True,
    )
    assert superuser.first_name != "Pwned" and superuser.pending_email == ""
    # Reading stays allowed: admins see every account.
    assert caller.get(f"users/{superuser.pk}").status_code == 200


def test_an_app_admin_cannot_demote_or_delete_a_superuser_on_the_web(client, superuser, app_admin):
    client.force_login(app_admin)
    client.post(f"/gestion/utilisateurs/{superuser.pk}/role/", {"role": "client"})
    client.post(f"/gestion/utilisateurs/{superuser.pk}/supprimer/")
    superuser.refresh_from_db()
    assert (superuser.role, superuser.is_active, superuser.is_superuser) == (Role.ADMIN, True, True)


def test_a_superuser_manages_another_superuser(api, superuser):
    other = AdminFactory(is_staff=True, is_superuser=True)
    response = api(superuser).patch(f"users/{other.pk}", {"role": "client"})
    assert response.status_code == 200
    other.refresh_from_db()
    assert (other.role, other.is_staff, other.is_superuser) == (Role.CLIENT, False, False)


def test_leaving_the_admin_role_leaves_the_django_admin_site(client, superuser):
    staff = AdminFactory(is_staff=True)
    client.force_login(superuser)
    client.post(f"/gestion/utilisateurs/{staff.pk}/role/", {"role": "chief"})
    staff.refresh_from_db()
    assert (staff.role, staff.is_staff, staff.is_superuser) == (Role.CHIEF, False, False)
    client.force_login(staff)
    assert client.get("/django-admin/").status_code == 302  # to the admin login


def test_the_database_refuses_staff_flags_outside_the_admin_role():
    user = ClientFactory()
    with pytest.raises(IntegrityError):
        User.objects.filter(pk=user.pk).update(is_staff=True)


def test_no_admin_demotes_or_deletes_itself(api, client, app_admin, superuser, password):
    for admin in (app_admin, superuser):
        assert api(admin).patch(f"users/{admin.pk}", {"role": "client"}).status_code == 409
        assert api(admin).delete(f"users/{admin.pk}").status_code == 409
        client.force_login(admin)
        client.post(f"/gestion/utilisateurs/{admin.pk}/role/", {"role": "client"})
        admin.refresh_from_db()
        assert admin.role == Role.ADMIN and admin.is_active


def test_the_last_admin_cannot_delete_its_account(api, client, password):
    only = AdminFactory()
    response = api(only).delete("me", {"password": password})
    assert response.status_code == 409
    assert response.json()["code"] == "last_admin"
    client.force_login(only)
    client.post("/compte/supprimer/", {"password": password})
    only.refresh_from_db()
    assert only.is_active
    second = AdminFactory()
    assert api(only).delete("me", {"password": password}).status_code == 204
    second.refresh_from_db()
    assert second.is_active and second.role == Role.ADMIN


@pytest.mark.parametrize(
    "caller_kind, expected",
    [
        ("anonymous", 401),
        ("client", 403),
        ("chief", 403),
        ("admin", 200),
        ("second admin", 200),
        ("superuser", 200),
    ],
)
def test_permission_matrix_of_user_management_with_superuser_and_second_admin(
    api, superuser, app_admin, caller_kind, expected
):
    callers = {
        "anonymous": None,
        "client": ClientFactory(),
        "chief": ChiefFactory(),
        "admin": app_admin,
        "second admin": AdminFactory(),
        "superuser": superuser,
    }
    caller = api(callers[caller_kind])
    target = ClientFactory()
    assert caller.get("users").status_code == expected
    assert caller.get(f"users/{target.pk}").status_code == expected
    assert caller.patch(f"users/{target.pk}", {"first_name": "Nour"}).status_code == expected
    # Against the superuser: only a superuser may write.
    write = caller.patch(f"users/{superuser.pk}", {"first_name": "Nour"}).status_code
    assert write == (expected if caller_kind in ("anonymous", "client", "chief", "superuser")
                     else 403)  # fmt: skip
    # Against another admin: any admin may (never itself: tested above).
    other_admin = AdminFactory()
    change = caller.patch(f"users/{other_admin.pk}", {"first_name": "Nour"}).status_code
    assert change == expected


@pytest.mark.live
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_admins_demoting_each_other_at_once_leave_one_admin(live_app, backend):
    server = live_app(backend, workers=4)
    tokens = server.shell_json(
        "import json\n"
        "from louage.accounts.models import User\n"
        "from louage.accounts.sessions import tokens_for\n"
        "a = User.objects.create_user('a@example.tn', 'x', role='admin')\n"
        "b = User.objects.create_user('b@example.tn', 'x', role='admin')\n"
        "print(json.dumps([a.pk, b.pk, tokens_for(a)['access'], tokens_for(b)['access']]))"
    )
    a, b, token_a, token_b = tokens
    jobs = [(token_a, b), (token_b, a)] * 10
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(
            pool.map(
                lambda job: api_call(
                    server.url, "PATCH", f"/api/v1/users/{job[1]}", token=job[0],
                    payload={"role": "client"},
                )[0],
                jobs,
            )
        )  # fmt: skip
    assert set(results) <= {200, 403, 409}, results
    admins = server.sql("SELECT COUNT(*) FROM accounts_user WHERE role = 'admin' AND is_active")
    assert admins[0][0] == 1
