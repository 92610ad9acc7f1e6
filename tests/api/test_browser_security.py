"""Browser security (issue 15 point 5): a state change carried by the session cookie needs this
server's origin and the session's CSRF token; every response carries the security headers;
no template holds an inline script; evidence downloads as an attachment of a safe type."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kilnguard.api.app import create_app
from kilnguard.api.browser import _multipart_token, csrf_token
from kilnguard.api.deps import SESSION_COOKIE
from kilnguard.api.shell import attachment
from kilnguard.store import models as m
from kilnguard.store.db import unit_of_work
from tests.conftest import PASSWORD, Plant, token_for

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "kilnguard" / "web" / "templates"
FOREIGN = "http://127.0.0.1:1"


@pytest.fixture
def browser(plant: Plant) -> Iterator[TestClient]:
    """A client as a browser is: it keeps cookies, and sends no CSRF token by itself."""
    with TestClient(create_app(plant.engine)) as c:
        r = c.post("/login", data={"username": "op_a", "password": PASSWORD})
        assert r.status_code == 200 and SESSION_COOKIE in c.cookies, r.text
        yield c


def _production(plant: Plant) -> int:
    with unit_of_work(plant.engine) as s:
        return int(s.scalar(select(func.count(m.ProductionRecord.id))) or 0)


def _form(**extra: str) -> dict[str, str]:
    return {"day": "2021-09-20", "shift_no": "1", "output_t": "10", "hours_fired": "8", **extra}


def test_a_cross_origin_form_post_is_refused_even_with_a_valid_session(
    browser: TestClient, plant: Plant
) -> None:
    before = _production(plant)
    token = csrf_token(browser.cookies[SESSION_COOKIE])
    url = f"/kilns/{plant.kilns_a[0]}/production"
    for headers in ({"Origin": FOREIGN}, {"Referer": f"{FOREIGN}/attack"}, {"Origin": "null"}):
        r = browser.post(url, data=_form(csrf_token=token), headers=headers)
        assert r.status_code == 403, (headers, r.text)
    # no Origin and no token (a form from a page that never had it) is refused too
    assert browser.post(url, data=_form()).status_code == 403
    assert browser.post(url, data=_form(csrf_token="0" * 64)).status_code == 403
    assert browser.post(url, data=_form(), headers={"X-CSRF-Token": "x"}).status_code == 403
    assert _production(plant) == before


def test_a_same_origin_form_with_the_pages_token_is_accepted(
    browser: TestClient, plant: Plant
) -> None:
    page = browser.get(f"/kilns/{plant.kilns_a[0]}").text
    [meta] = re.findall(r'<meta name="csrf-token" content="([0-9a-f]{64})">', page)
    fields = re.findall(r'name="csrf_token" value="([0-9a-f]{64})"', page)
    assert fields and set(fields) == {meta}
    before = _production(plant)
    url = f"/kilns/{plant.kilns_a[0]}/production"
    r = browser.post(url, data=_form(csrf_token=meta), headers={"Origin": "http://testserver"})
    assert r.status_code < 400, r.text
    r = browser.post(url, data=_form(shift_no="2"), headers={"X-CSRF-Token": meta})
    assert r.status_code < 400, r.text
    assert _production(plant) == before + 2
    # the token belongs to the session: after logging out it no longer opens anything
    assert browser.post("/logout", data={"csrf_token": meta}).status_code in (200, 303)


def test_bearer_calls_need_no_csrf_token_and_logging_in_needs_the_own_origin(
    plant: Plant,
) -> None:
    with TestClient(create_app(plant.engine)) as c:
        h = token_for(c, "op_a")
        body = {"kiln_id": plant.kilns_a[0], "day": "2021-09-21", "output_t": 1, "hours_fired": 1}
        r = c.post("/api/v1/production-records", json=body, headers={**h, "Origin": FOREIGN})
        assert r.status_code == 201, r.text
        login = {"username": "op_a", "password": PASSWORD}
        assert c.post("/login", data=login, headers={"Origin": FOREIGN}).status_code == 403
        assert SESSION_COOKIE not in c.cookies
        r = c.post("/login", data=login, headers={"Origin": "http://testserver"})
        assert r.status_code == 200 and SESSION_COOKIE in c.cookies


def test_the_token_is_found_before_the_file_of_a_multipart_form() -> None:
    b = b"XyZ"
    token_first = (
        b'--XyZ\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\nabc\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.zip"\r\n\r\nPK'
    )
    assert _multipart_token(token_first, b) == ("abc", True)
    # half a value: read on
    assert _multipart_token(token_first[:60], b) == (None, False)
    file_first = (
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.zip"\r\n\r\nPK..'
    )
    assert _multipart_token(file_first, b) == (None, True)


def test_a_multipart_upload_page_needs_the_token_field(browser: TestClient) -> None:
    token = csrf_token(browser.cookies[SESSION_COOKIE])
    files = {"file": ("year.txt", b"not a bundle", "text/plain")}
    assert browser.post("/bundle", files=files).status_code == 403
    r = browser.post("/bundle", data={"csrf_token": token}, files=files)
    assert r.status_code != 403, r.text  # past the guard: the page refuses the file itself


def test_every_response_carries_the_security_headers(client: Any, plant: Plant) -> None:
    for path in ("/login", "/static/csrf.js", "/api/v1/me", "/docs", "/openapi.json"):
        h = client.get(path, follow_redirects=False).headers
        csp = h["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "same-origin"


def test_no_template_holds_an_inline_script_handler_or_style() -> None:
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path
        assert not re.search(r"\son[a-z]+\s*=", text), path
        assert not re.search(r"\sstyle\s*=", text), path
        for form in re.finditer(r"<form\b[^>]*method=\"post\"[^>]*>(.{0,20})", text, re.I):
            assert form.group(1).startswith("{{ csrf_field() }}"), (path, form.group(0))


@pytest.mark.parametrize(
    ("setting", "base", "secure"),
    [("auto", "http://testserver", False), ("auto", "https://testserver", True),
     ("on", "http://testserver", True), ("off", "https://testserver", False)],
)  # fmt: skip
def test_the_session_cookie_is_secure_over_https_or_when_set(
    plant: Plant, monkeypatch: pytest.MonkeyPatch, setting: str, base: str, secure: bool
) -> None:
    monkeypatch.setenv("KILNGUARD_SECURE_COOKIES", setting)
    with TestClient(create_app(plant.engine), base_url=base) as c:
        r = c.post(
            "/login", data={"username": "op_a", "password": PASSWORD}, follow_redirects=False
        )
        cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert ("; secure" in cookie) is secure


@pytest.mark.parametrize(
    ("uploaded", "sent"),
    [("text/html", "application/octet-stream"), ("image/svg+xml", "application/octet-stream"),
     ("application/pdf", "application/pdf"), ("image/png", "image/png")],
)  # fmt: skip
def test_downloads_are_attachments_of_a_safe_type(uploaded: str, sent: str) -> None:
    r = attachment(b"<script>alert(1)</script>", '보고서 "final".html', uploaded)
    assert r.headers["content-type"].split(";")[0] == sent
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "filename*=UTF-8''%EB%B3%B4%EA%B3%A0%EC%84%9C%20%22final%22.html" in disposition


def test_evidence_with_a_hangul_name_and_an_html_type_downloads_safely(
    client: Any, plant: Plant
) -> None:
    h = token_for(client, "mgr_a")
    change = dict(kind="experiment", title="Reagent", purpose="imports", hazards=[])
    r = client.post("/api/v1/changes", headers=h, json={**change, "kiln_id": plant.kilns_a[0]})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    page = b"<html><script>alert(document.cookie)</script></html>"
    files = {"file": ("시험 결과.html", page, "text/html")}
    r = client.post(f"/api/v1/changes/{cid}/evidence", headers=h, files=files)
    assert r.status_code == 201, r.text
    ev_id = client.get(f"/api/v1/changes/{cid}", headers=h).json()["evidence"][0]["id"]
    f = client.get(f"/api/v1/changes/{cid}/evidence/{ev_id}", headers=h)
    assert f.status_code == 200 and f.content == page
    assert f.headers["content-type"] == "application/octet-stream"
    assert (
        "filename*=UTF-8''%EC%8B%9C%ED%97%98%20%EA%B2%B0%EA%B3%BC.html"
        in (f.headers["content-disposition"])
    )


def test_a_public_origin_behind_a_proxy_is_accepted_when_configured(
    plant: Plant, monkeypatch: pytest.MonkeyPatch
) -> None:
    login = {"username": "op_a", "password": PASSWORD}
    public = {"Origin": "https://kilns.plant.example"}
    with TestClient(create_app(plant.engine)) as c:
        assert c.post("/login", data=login, headers=public).status_code == 403
    monkeypatch.setenv("KILNGUARD_ORIGINS", "https://kilns.plant.example/, https://10.0.0.5")
    with TestClient(create_app(plant.engine)) as c:
        assert c.post("/login", data=login, headers=public).status_code == 200
        assert c.post("/login", data=login, headers={"Origin": FOREIGN}).status_code == 403
