"""API errors speak the client's language: the account's, or the one the app asks for."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_validation_error_reads_in_the_accounts_language(api, trip, client_user):
    client_user.language = "ar"
    client_user.save()
    response = api(client_user).post("reservations", {"trip_id": trip.pk, "seats": "beaucoup"})
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "بيانات غير صالحة: seats."
    assert body["errors"][0]["field"].endswith("seats")
    assert body["errors"][0]["message"] == "يُنتظر عدد صحيح."
    assert "Input should" not in response.content.decode()


def test_an_app_asks_for_english_and_gets_english_errors(api, trip, client_user):
    response = api(client_user).post(
        "reservations", {"trip_id": trip.pk}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("Invalid data: ")
    assert response.json()["errors"][0]["message"] == "This field is required."
    assert response["Content-Language"] == "en"


def test_a_domain_error_follows_the_same_language(api, trip, client_user):
    response = api().get("trips/999999", headers={"Accept-Language": "ar"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert (
        "Départ" not in response.json()["detail"] and "Introuvable" not in response.json()["detail"]
    )


def test_without_a_choice_the_api_speaks_french(api, trip, client_user):
    response = api(client_user).get("trips", {"page": 0})
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "Doit être supérieur ou égal à 1."
    response = api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 0})
    assert response.json()["detail"] == "Données invalides : seats."
    assert response.json()["errors"][0]["message"] == "Doit être supérieur ou égal à 1."
