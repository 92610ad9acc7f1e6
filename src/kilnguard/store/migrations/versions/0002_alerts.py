"""alerts: risk alerts per kiln (raise, acknowledge, escalate, close) and escalation history

Hand-written to match store/alert_models.py (keep the two identical).

Revision ID: 0002_alerts
Revises: 0001_foundation
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa

from kilnguard.store.migrations.columns import (
    ENTERPRISE_ID,
    ID,
    Named,
    Table,
    col,
    create_tables,
    drop_tables,
    record,
    ref,
)

revision = "0002_alerts"
down_revision = "0001_foundation"
branch_labels = ("alerts",)
depends_on = None


TABLES = (
    record(
        "alerts",
        ref("kiln_id", "kilns"),
        col("level", sa.String(length=8)),
        col("raised_on", sa.Date()),
        col("raised_at", sa.DateTime()),
        col("summary", sa.String(length=500)),
        col("explanation", sa.Text()),
        col("acknowledged_at", sa.DateTime(), null=True),
        col("acknowledged_by", sa.String(length=100), null=True),
        col("ack_comment", sa.Text()),
        col("escalation_level", sa.Integer()),
        col("escalated_at", sa.DateTime(), null=True),
        col("closed_on", sa.Date(), null=True),
        col("closed_at", sa.DateTime(), null=True),
        col("closed_reason", sa.String(length=200)),
        index=(Named("ix_alerts_kiln_raised", ("kiln_id", "raised_on")),),
    ),
    Table(
        "alert_escalations",
        (
            ID,
            ENTERPRISE_ID,
            ref("alert_id", "alerts", index=True),
            col("level", sa.Integer()),
            col("at", sa.DateTime()),
            col("notified_role", sa.String(length=32)),
            col("notified", sa.Text()),
        ),
    ),
)


def upgrade() -> None:
    create_tables(TABLES)


def downgrade() -> None:
    drop_tables(TABLES)
