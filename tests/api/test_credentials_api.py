"""Credentials lifecycle over HTTP (issue 15 point 6): wrong passwords lock a user name and an
address out for a while, in the database (so every server process agrees); API tokens expire,
are listed and revoked; users change their own password; look-alike names are refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kilnguard.api.app import create_app
from kilnguard.clock import FixedClock
from kilnguard.domain.errors import ValidationError
from kilnguard.services import auth, credentials
from kilnguard.services.access import SYSTEM
from kilnguard.store import db as store_db
from tests.conftest import PASSWORD, Plant

MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def api(plant: Plant, clock: FixedClock) -> Iterator[TestClient]:
    app = create_app(plant.engine)
    app.state.clock = clock
    with TestClient(app) as c:
        yield c


def _token(api: TestClient, username: str, password: str = PASSWORD, **kw: Any) -> Any:
    return api.post("/api/v1/auth/token", json={"username": username, "password": password}, **kw)


def test_wrong_passwords_lock_the_user_name_and_the_right_one_waits(
    api: TestClient, plant: Plant, clock: FixedClock
) -> None:
    for _ in range(4):
        assert _token(api, "op_a", "not-the-password").status_code == 401
    r = _token(api, "op_a", "not-the-password")
    assert r.status_code == 429 and int(r.headers["retry-after"]) == 15 * 60
    # the probe's 80 wrong passwords then the right one: locked, without the password checked
    for _ in range(75):
        assert _token(api, "op_a", "not-the-password").status_code == 429
    assert _token(api, "op_a").status_code == 429
    assert _token(api, "op_a ").status_code == 429  # the same name, however written
    # another user, and the web form from elsewhere, are not held up by op_a's lockout
    assert _token(api, "mgr_a").status_code == 200
    # the lockout is in the database: a second server process over it agrees
    engine = store_db.make_engine(plant.engine.url.render_as_string(hide_password=False))
    second = create_app(engine)
    second.state.clock = clock
    with TestClient(second) as other:
        assert _token(other, "op_a").status_code == 429
        r = other.post("/login", data={"username": "op_a", "password": PASSWORD})
        assert r.status_code == 429 and "try again in 15 minutes" in r.text
    engine.dispose()
    clock.advance(15 * MINUTE)
    assert _token(api, "op_a").status_code == 200
    # a success forgets the failures: four more are allowed again
    for _ in range(4):
        assert _token(api, "op_a", "not-the-password").status_code == 401
    assert _token(api, "op_a").status_code == 200


def test_one_address_trying_many_names_is_locked_out(api: TestClient, clock: FixedClock) -> None:
    for i in range(credentials.LOGIN_LIMITS.address_failures):
        r = _token(api, f"guess-{i}", "not-the-password")
        assert r.status_code == (429 if i == credentials.LOGIN_LIMITS.address_failures - 1 else 401)
    assert _token(api, "mgr_a").status_code == 429  # the address, whatever the name
    clock.advance(16 * MINUTE)
    assert _token(api, "mgr_a").status_code == 200


def test_api_tokens_expire_are_listed_and_revoked(
    api: TestClient, plant: Plant, clock: FixedClock
) -> None:
    r = _token(api, "op_a")
    first = r.json()
    assert dt.datetime.fromisoformat(first["expires_at"]) == clock.now() + dt.timedelta(days=30)
    h = {"Authorization": f"Bearer {first['token']}"}
    clock.advance(dt.timedelta(days=1))
    second = {"Authorization": f"Bearer {_token(api, 'op_a').json()['token']}"}
    listed = api.get("/api/v1/auth/tokens", headers=h).json()
    assert [t["username"] for t in listed] == ["op_a", "op_a"] and "token" not in listed[0]
    newest, oldest = listed
    # another user neither sees nor revokes op_a's tokens
    mgr = {"Authorization": f"Bearer {_token(api, 'mgr_a').json()['token']}"}
    assert api.get("/api/v1/auth/tokens?username=op_a", headers=mgr).status_code == 403
    assert api.delete(f"/api/v1/auth/tokens/{oldest['id']}", headers=mgr).status_code == 404
    # revoked: it stops working at once
    r = api.delete(f"/api/v1/auth/tokens/{oldest['id']}", headers=second)
    assert r.status_code == 200 and r.json()["id"] == oldest["id"]
    assert api.get("/api/v1/me", headers=h).status_code == 401
    assert api.get("/api/v1/me", headers=second).status_code == 200
    # expired: 30 days after issue
    clock.advance(dt.timedelta(days=30))
    assert api.get("/api/v1/me", headers=second).status_code == 401
    with store_db.unit_of_work(plant.engine) as s:
        [row] = credentials.list_tokens(s, SYSTEM, username="op_a", now=clock.now())
    assert row["id"] == newest["id"] and row["expired"]


def test_a_user_changes_their_own_password(api: TestClient) -> None:
    h = {"Authorization": f"Bearer {_token(api, 'op_a').json()['token']}"}
    body = {"current_password": "wrong-current-pw", "new_password": "a fresh kiln passphrase"}
    assert api.post("/api/v1/me/password", json=body, headers=h).status_code == 401
    weak = {"current_password": PASSWORD, "new_password": "password1234"}
    r = api.post("/api/v1/me/password", json=weak, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "password"
    body["current_password"] = PASSWORD
    r = api.post("/api/v1/me/password", json=body, headers=h)
    assert r.status_code == 200 and r.json() == {"credentials_revoked": 1}
    assert api.get("/api/v1/me", headers=h).status_code == 401  # its tokens are revoked
    assert _token(api, "op_a").status_code == 401
    assert _token(api, "op_a", "a fresh kiln passphrase").status_code == 200


def test_weak_passwords_and_look_alike_names_are_refused_when_creating_logins(
    plant: Plant,
) -> None:
    made = []
    with store_db.unit_of_work(plant.engine) as s:
        for username, password, expected in (
            ("night-op", "12345678", "password"),
            ("night-op", "password", "password"),
            ("night-op", "Night-Op-2024!", "password"),
            ("\u043ep_a", PASSWORD, "username"),  # Cyrillic о: looks like op_a
            ("OP_A", PASSWORD, "username"),
            ("op_a ", PASSWORD, "username"),
            ("op-a", PASSWORD, "username"),
        ):
            with pytest.raises(ValidationError) as exc:
                auth.create_user(
                    s,
                    SYSTEM,
                    username=username,
                    password=password,
                    role="operator",
                    enterprise_ids=[plant.ent_a],
                )
            made.append((username, exc.value.field == expected))
    assert all(ok for _, ok in made), made


def test_the_account_page_changes_the_password_and_ends_the_session(plant: Plant) -> None:
    from tests.conftest import csrf_aware

    with TestClient(create_app(plant.engine)) as c:
        web = csrf_aware(c)
        web.post("/login", data={"username": "op_a", "password": PASSWORD})
        assert 'href="/account"' in web.get("/kilns").text
        form = {"current_password": PASSWORD, "new_password": "kiln four at dusk"}
        r = web.post("/account/password", data={**form, "confirm_password": "other"})
        assert r.status_code == 422 and "repeat" in r.text
        r = web.post("/account/password", data={**form, "confirm_password": form["new_password"]})
        assert r.status_code == 200 and r.url.path == "/login"
        assert web.get("/kilns", follow_redirects=False).status_code == 303
        r = web.post("/login", data={"username": "op_a", "password": "kiln four at dusk"})
        assert r.url.path == "/kilns"
