"""The bundle pages and their JSON routes without a browser: upload, background check with
progress, every error or a summary per sheet, commit; nothing is stored before the commit or
from a bundle with errors; the size limit; the template and export downloads."""

from __future__ import annotations

import csv
import io
import time
import zipfile
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from kilnguard.api.features.bundle import jobs
from kilnguard.services import uow as store_db
from kilnguard.services.access import SYSTEM
from kilnguard.services.auth import create_user
from kilnguard.store import models as m
from tests.conftest import PASSWORD, Plant, token_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

REGION = {"regions": [["name", "timezone"], ["Ryanggang", "Asia/Pyongyang"]]}
ENTERPRISE = {
    "enterprises": [
        ["name", "region", "tier", "sector"],
        ["Hyesan Lime Works", "Ryanggang", 2, "lime"],
    ]
}
KILN_HEADER = [
    "enterprise",
    "name",
    "kind",
    "rated_capacity_t_per_day",
    "max_temperature_c",
    "campaign_limit_days",
    "lining_installed_on",
    "lining_design_life_days",
    "lining_used_fraction_at_onboarding",
]
GOOD_KILNS = {
    "kilns": [
        KILN_HEADER,
        ["Hyesan Lime Works", "HL-1", "shaft", 80.0, 1100.0, 180, "2020-03-01", 900, 0.35],
        ["Hyesan Lime Works", "HL-2", "shaft", 75.5, 1100.0, 180, "2021-01-10", 900, ""],
    ]
}


def workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def login(client, username: str) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 303


@pytest.fixture
def admin(plant: Plant) -> str:
    with store_db.unit_of_work(plant.engine) as s:
        create_user(s, SYSTEM, username="root", password=PASSWORD, role="admin")
    return "root"


def upload(client, data: bytes, name: str = "region.xlsx") -> str:  # type: ignore[no-untyped-def]
    r = client.post("/bundle", files={"file": (name, data, XLSX)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return str(r.headers["location"]).rsplit("/", 1)[-1]


def settled(client, job_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Poll the progress route until the check or import is over; the job as JSON."""
    deadline = time.monotonic() + 120
    seen: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        p = client.get(f"/api/v1/bundle/imports/{job_id}/progress", headers=headers or {})
        assert p.status_code == 200, p.text
        seen.append(p.json())
        if not p.json()["running"]:
            break
        time.sleep(0.05)
    job = client.get(f"/api/v1/bundle/imports/{job_id}", headers=headers or {}).json()
    assert not job["running"], seen[-3:]
    return dict(job)


def kiln_names(plant: Plant) -> set[str]:
    with store_db.unit_of_work(plant.engine) as s:
        return set(s.scalars(select(m.Kiln.name)))


def test_upload_preview_then_commit_and_the_same_bundle_again_changes_nothing(
    client, plant: Plant, admin: str
) -> None:  # type: ignore[no-untyped-def]
    login(client, admin)
    assert 'href="/bundle"' in client.get("/setup").text
    data = workbook(REGION | ENTERPRISE | GOOD_KILNS)
    job_id = upload(client, data)
    job = settled(client, job_id)
    assert job["state"] == "planned", job
    assert job["summary"]["kilns"] == {"new": 2, "changed": 0, "unchanged": 0}
    assert job["summary"]["regions"]["new"] == 1
    page = client.get(f"/bundle/imports/{job_id}").text
    assert "nothing is stored yet" in page and 'data-sheet="kilns"' in page
    assert "Import 4 new and 0 changed rows" in page
    assert "HL-1" not in kiln_names(plant)  # the preview stores nothing

    r = client.post(f"/bundle/imports/{job_id}/commit", follow_redirects=False)
    assert r.status_code == 303
    job = settled(client, job_id)
    assert job["state"] == "committed", job
    assert {"HL-1", "HL-2"} <= kiln_names(plant)
    assert "HL-1" in client.get("/kilns").text
    assert "Imported" in client.get(f"/bundle/imports/{job_id}").text
    with store_db.unit_of_work(plant.engine) as s:
        k = s.scalars(select(m.Kiln).where(m.Kiln.name == "HL-1")).one()
        assert k.lining_used_fraction_at_onboarding == 0.35 and k.rated_capacity_t_per_day == 80
        imports = s.scalar(
            select(func.count()).select_from(m.AuditEntry).where(m.AuditEntry.action == "import")
        )
        assert imports and imports >= 1
    # a second commit of the same job is refused
    assert client.post(f"/bundle/imports/{job_id}/commit").status_code == 409

    again = settled(client, upload(client, data))
    assert again["state"] == "planned" and again["unchanged"]
    assert again["summary"]["kilns"] == {"new": 0, "changed": 0, "unchanged": 2}
    assert "changes nothing" in client.get(f"/bundle/imports/{again['id']}").text


def test_a_bundle_with_errors_shows_every_one_and_stores_nothing(
    client, plant: Plant, admin: str
) -> None:  # type: ignore[no-untyped-def]
    login(client, admin)
    bad = {
        "kilns": [
            KILN_HEADER,
            ["Hyesan Lime Works", "HL-1", "shaft", "-80 t/day", 1100.0, 180, "", "", ""],
            ["Nowhere Cement", "NC-1", "rotary", 600.0, 1450.0, 90, "01/03/2020", "", ""],
            ["Hyesan Lime Works", "HL-1", "shaft", 80.0, 1100.0, 180, "", "", 1.7],
        ]
    }
    job_id = upload(client, workbook(REGION | ENTERPRISE | bad))
    job = settled(client, job_id)
    assert job["state"] == "invalid", job
    where = {(e["sheet"], e["row"], e["column"]) for e in job["errors"]}
    assert ("kilns", 2, "rated_capacity_t_per_day") in where
    assert ("kilns", 3, "enterprise") in where
    assert ("kilns", 3, "lining_installed_on") in where
    assert len(job["errors"]) >= 4 and all(e["rule"] for e in job["errors"])
    page = client.get(f"/bundle/imports/{job_id}").text
    assert "nothing was stored" in page and "80 t/day" in page and "Nowhere Cement" in page
    assert "<th>Sheet</th><th>Row</th><th>Column</th><th>Value</th><th>Rule</th>" in page
    assert 'id="commit"' not in page
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"/bundle/imports/{job_id}/errors.csv").text))
    )
    assert len(rows) == len(job["errors"]) and rows[0]["sheet"] == "kilns"
    # a value a spreadsheet would run as a formula is quoted in the CSV
    unit = [r for r in rows if r["column"] == "rated_capacity_t_per_day" and r["row"] == "2"]
    assert unit and unit[0]["value"] == "'-80 t/day"
    assert client.post(f"/bundle/imports/{job_id}/commit").status_code == 409
    with store_db.unit_of_work(plant.engine) as s:
        assert s.scalar(select(m.Region.id).where(m.Region.name == "Ryanggang")) is None
    assert not {"HL-1", "NC-1"} & kiln_names(plant)


def test_a_zip_of_csv_files_is_a_bundle(client, plant: Plant, admin: str) -> None:  # type: ignore[no-untyped-def]
    login(client, admin)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, rows in (REGION | ENTERPRISE | GOOD_KILNS).items():
            text = io.StringIO()
            csv.writer(text).writerows(rows)
            zf.writestr(f"region/{name}.csv", text.getvalue())
    job = settled(client, upload(client, buf.getvalue(), "region.zip"))
    assert job["state"] == "planned", job
    assert job["summary"]["kilns"]["new"] == 2


def test_the_upload_is_refused_over_the_limit_and_when_it_is_no_bundle(
    client, plant: Plant, admin: str, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    login(client, admin)
    r = client.post("/bundle", files={"file": ("notes.txt", b"hello", "text/plain")})
    assert r.status_code == 422 and ".xlsx workbook" in r.text
    r = client.post("/bundle", files={"file": ("empty.xlsx", b"", XLSX)})
    assert r.status_code == 422 and "is empty" in r.text
    junk = settled(client, upload(client, b"PK\x03\x04 not really", "junk.xlsx"))
    assert junk["state"] in ("failed", "invalid") and (junk["message"] or junk["errors"])

    monkeypatch.setattr(jobs, "MAX_UPLOAD_BYTES", 10_000)
    big = b"x" * 20_000
    r = client.post("/bundle", files={"file": ("big.xlsx", big, XLSX)})
    assert r.status_code == 413 and "too large" in r.text and "at most" in r.text
    h = token_for(client, "root")
    r = client.post("/api/v1/bundle/imports", headers=h, files={"file": ("big.xlsx", big, XLSX)})
    assert r.status_code == 413 and "too large" in r.json()["detail"]
    assert jobs.MAX_UPLOAD_BYTES == 10_000
    monkeypatch.undo()
    assert jobs.MAX_UPLOAD_BYTES >= 200 * 1000 * 1000


def test_a_job_is_its_uploaders_own(client, plant: Plant, admin: str) -> None:  # type: ignore[no-untyped-def]
    h = token_for(client, "root")
    r = client.post(
        "/api/v1/bundle/imports",
        headers=h,
        files={"file": ("region.xlsx", workbook(REGION), XLSX)},
    )
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    assert settled(client, job_id, h)["state"] == "planned"
    other = token_for(client, "mgr_a")
    assert client.get(f"/api/v1/bundle/imports/{job_id}", headers=other).status_code == 404
    r = client.post(f"/api/v1/bundle/imports/{job_id}/commit", headers=other)
    assert r.status_code == 404
    r = client.post(f"/api/v1/bundle/imports/{job_id}/commit", headers=h)
    assert r.status_code == 202 and r.json()["state"] in ("committing", "committed")
    assert settled(client, job_id, h)["state"] == "committed"


def test_a_manager_cannot_import_another_enterprises_kiln(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    login(client, "mgr_a")
    rows = {
        "kilns": [
            KILN_HEADER,
            ["B Refractory", "K-99", "tunnel", 40.0, 1300.0, 90, "", "", ""],
        ]
    }
    job = settled(client, upload(client, workbook(rows)))
    assert job["state"] in ("invalid", "failed"), job
    assert "K-99" not in kiln_names(plant)


def test_template_and_export_downloads(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    login(client, "mgr_a")
    page = client.get("/bundle").text
    assert 'href="/bundle/template.xlsx"' in page and 'href="/bundle/export.xlsx"' in page
    r = client.get("/bundle/template.xlsx")
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    wb = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    assert {"README", "regions", "kilns", "workers"} <= set(wb.sheetnames)
    r = client.get("/bundle/export.xlsx")
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    names = {str(row[1]) for row in wb["kilns"].iter_rows(min_row=2, values_only=True)}
    ents = {str(row[0]) for row in wb["kilns"].iter_rows(min_row=2, values_only=True)}
    assert names == {"K-1", "K-2", "K-3"} and ents == {"A Cement"}  # only what mgr_a may see


def test_bundle_pages_need_a_login(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/bundle", follow_redirects=False).status_code == 303
    r = client.post("/api/v1/bundle/imports", files={"file": ("a.xlsx", b"x", XLSX)})
    assert r.status_code == 401


def test_a_running_import_shows_a_progress_bar_fed_by_the_progress_route(
    client, plant: Plant, admin: str, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    login(client, admin)
    with store_db.unit_of_work(plant.engine) as s:
        uid = s.scalars(select(m.User.id).where(m.User.username == admin)).one()
    store = jobs.JobStore()
    client.app.state.bundle_jobs = store
    from kilnguard.services.access import Principal

    who = Principal(uid, admin, SYSTEM.role, None, frozenset())
    job = store.new(who, "year.xlsx", tmp_path / "year.xlsx", 123_456, "ab" * 32)
    job.state = "committing"
    job.progress("writing shifts", 3, 12)
    page = client.get(f"/bundle/imports/{job.id}").text
    assert '<progress id="bar"' in page and 'value="0.25"' in page and "writing shifts" in page
    # the bar polls the progress route of this job
    assert f'data-job="{job.id}"' in page and 'src="/static/bundle.js"' in page
    assert '"/api/v1/bundle/imports/" + id + "/progress"' in client.get("/static/bundle.js").text
    p = client.get(f"/api/v1/bundle/imports/{job.id}/progress").json()
    assert p == {
        "id": job.id,
        "state": "committing",
        "running": True,
        "stage": "writing shifts",
        "done": 3,
        "total": 12,
        "fraction": 0.25,
        "error_count": 0,
        "message": "",
    }
    assert client.post(f"/bundle/imports/{job.id}/commit").status_code == 409


def test_a_body_sent_without_a_length_is_stopped_at_the_limit(
    client, plant: Plant, admin: str, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(jobs, "MAX_UPLOAD_BYTES", 10_000)

    def body():  # type: ignore[no-untyped-def]
        yield (
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.xlsx"\r\n'
            b"Content-Type: application/octet-stream\r\n\r\n"
        )
        for _ in range(1000):  # 8 MB, chunked: no Content-Length
            yield b"x" * 8192
        yield b"\r\n--b--\r\n"

    h = token_for(client, "root")
    r = client.post(
        "/api/v1/bundle/imports",
        headers=h | {"content-type": "multipart/form-data; boundary=b"},
        content=body(),
    )
    assert r.status_code == 413 and "too large" in r.json()["detail"]
