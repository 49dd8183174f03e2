"""Liveness and readiness."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_it_is_alive(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_it_is_not_ready_while_rasa_is_down(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json is not None
    assert response.json["checks"] == {"database": True, "rasa": False, "action_server": False}
