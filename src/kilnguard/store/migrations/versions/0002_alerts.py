"""alerts: risk alerts per kiln (raise, acknowledge, escalate, close) and escalation history

Hand-written to match store/alert_models.py (keep the two identical).

Revision ID: 0002_alerts
Revises: 0001_foundation
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_alerts"
down_revision = "0001_foundation"
branch_labels = ("alerts",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("kiln_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.Column("ack_comment", sa.Text(), nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("escalated_at", sa.DateTime(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_reason", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_alerts_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(["kiln_id"], ["kilns.id"], name=op.f("fk_alerts_kiln_id_kilns")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alerts_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index("ix_alerts_kiln_raised", ["kiln_id", "raised_on"], unique=False)

    op.create_table(
        "alert_escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("notified_role", sa.String(length=32), nullable=False),
        sa.Column("notified", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_escalations_alert_id_alerts")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_alert_escalations_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_escalations")),
    )
    with op.batch_alter_table("alert_escalations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alert_escalations_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_alert_escalations_alert_id"), ["alert_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_escalations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_escalations_alert_id"))
        batch_op.drop_index(batch_op.f("ix_alert_escalations_enterprise_id"))
    op.drop_table("alert_escalations")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_kiln_raised")
        batch_op.drop_index(batch_op.f("ix_alerts_enterprise_id"))
    op.drop_table("alerts")
