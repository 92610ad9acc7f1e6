"""investigation: incident extras, investigations, timeline snapshots, evidence, interviews,
findings, CAST controllers, corrective actions, bulletins and their recipients (issue 6)

Revision ID: 0004_investigation
Revises: 0001_foundation
Hand-written to match src/kilnguard/store/investigation_models.py (no reporter column anywhere).
"""

from __future__ import annotations

import sqlalchemy as sa

from kilnguard.store.migrations.columns import (
    ENTERPRISE_ID,
    ID,
    SOURCE,
    Table,
    col,
    create_tables,
    drop_tables,
    record,
    ref,
)

revision = "0004_investigation"
down_revision = "0001_foundation"
branch_labels = ("investigation",)
depends_on = None


TABLES = (
    record(
        "bulletins",
        ref("region_id", "regions", index=True),
        ref("incident_id", "incidents"),
        col("title", sa.String(length=300)),
        col("summary", sa.Text()),
        col("lessons", sa.JSON()),
        col("required_checks", sa.JSON()),
        col("target_tiers", sa.JSON()),
        col("target_sectors", sa.JSON()),
        col("issued_by", sa.String(length=100)),
        col("issued_at", sa.DateTime()),
        col("acknowledge_within_days", sa.Integer()),
    ),
    Table(
        "incident_extras",
        (
            ID,
            ref("incident_id", "incidents"),
            ENTERPRISE_ID,
            col("people_involved", sa.JSON()),
            col("potential_severity", sa.Integer(), null=True),
            col("anonymous", sa.Boolean()),
            col("occurred_at_assumed", sa.Boolean()),
            SOURCE,
        ),
        unique=(("incident_id",),),
    ),
    record(
        "investigations",
        ref("incident_id", "incidents", index=True),
        col("opened_at", sa.DateTime()),
        col("opened_by", sa.String(length=100)),
        col("window_days", sa.Integer()),
        col("status", sa.String(length=16)),
    ),
    Table(
        "bulletin_recipients",
        (
            ID,
            ref("bulletin_id", "bulletins", index=True),
            ENTERPRISE_ID,
            col("acknowledged_at", sa.DateTime(), null=True),
            col("acknowledged_by", sa.String(length=100), null=True),
            col("checked", sa.Text()),
            col("reminders_sent", sa.Integer()),
            col("escalation_level", sa.Integer()),
            col("last_reminder_on", sa.Date(), null=True),
            SOURCE,
        ),
        unique=(("bulletin_id", "enterprise_id"),),
    ),
    record(
        "cast_controllers",
        ref("investigation_id", "investigations", index=True),
        col("key", sa.String(length=64)),
        col("level", sa.Integer()),
        col("name", sa.String(length=300)),
        col("responsibilities", sa.JSON()),
        col("control_actions", sa.JSON()),
        col("feedback_channels", sa.JSON()),
        col("unsafe_control_actions", sa.JSON()),
        col("flawed_feedback", sa.JSON()),
        col("process_model_flaws", sa.JSON()),
        col("context", sa.JSON()),
        unique=(("investigation_id", "key"),),
    ),
    record(
        "corrective_actions",
        ref("investigation_id", "investigations", index=True),
        col("controller_key", sa.String(length=64)),
        col("recommendation", sa.Text()),
        col("owner", sa.String(length=200)),
        col("due_on", sa.Date()),
        col("status", sa.String(length=16)),
        col("completed_on", sa.Date(), null=True),
        col("verified_by", sa.String(length=100), null=True),
        col("note", sa.Text()),
        col("escalation_level", sa.Integer()),
    ),
    record(
        "investigation_evidence",
        ref("investigation_id", "investigations", index=True),
        col("title", sa.String(length=300)),
        col("description", sa.Text()),
        col("added_by", sa.String(length=100)),
        col("added_at", sa.DateTime()),
    ),
    record(
        "investigation_findings",
        ref("investigation_id", "investigations", index=True),
        col("text", sa.Text()),
        col("author", sa.String(length=100)),
        col("at", sa.DateTime()),
        col("about", sa.JSON()),
        col("hindsight_warnings", sa.JSON()),
    ),
    record(
        "investigation_interviews",
        ref("investigation_id", "investigations", index=True),
        col("interviewee", sa.String(length=200)),
        col("text", sa.Text()),
        col("author", sa.String(length=100)),
        col("at", sa.DateTime()),
    ),
    record(
        "investigation_timeline",
        ref("investigation_id", "investigations", index=True),
        col("seq", sa.Integer()),
        col("at", sa.DateTime()),
        col("kind", sa.String(length=32)),
        col("kiln", sa.String(length=200), null=True),
        col("summary", sa.Text()),
        col("facts", sa.JSON()),
    ),
)


def upgrade() -> None:
    create_tables(TABLES)


def downgrade() -> None:
    drop_tables(TABLES)
