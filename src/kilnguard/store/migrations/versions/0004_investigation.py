"""investigation: incident extras, investigations, timeline snapshots, evidence, interviews,
findings, CAST controllers, corrective actions, bulletins and their recipients (issue 6)

Revision ID: 0004_investigation
Revises: 0001_foundation
Hand-written to match src/kilnguard/store/investigation_models.py (no reporter column anywhere).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_investigation"
down_revision = "0001_foundation"
branch_labels = ("investigation",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bulletins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("lessons", sa.JSON(), nullable=False),
        sa.Column("required_checks", sa.JSON(), nullable=False),
        sa.Column("target_tiers", sa.JSON(), nullable=False),
        sa.Column("target_sectors", sa.JSON(), nullable=False),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("acknowledge_within_days", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_bulletins_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_bulletins_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_bulletins_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulletins")),
    )
    op.create_index(
        op.f("ix_bulletins_enterprise_id"), "bulletins", ["enterprise_id"], unique=False
    )
    op.create_index(op.f("ix_bulletins_region_id"), "bulletins", ["region_id"], unique=False)
    op.create_table(
        "incident_extras",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("people_involved", sa.JSON(), nullable=False),
        sa.Column("potential_severity", sa.Integer(), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("occurred_at_assumed", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_incident_extras_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_incident_extras_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_extras")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_incident_extras_incident_id")),
    )
    op.create_index(
        op.f("ix_incident_extras_enterprise_id"), "incident_extras", ["enterprise_id"], unique=False
    )
    op.create_table(
        "investigations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("opened_by", sa.String(length=100), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_investigations_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_investigations_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_investigations")),
    )
    op.create_index(
        op.f("ix_investigations_enterprise_id"), "investigations", ["enterprise_id"], unique=False
    )
    op.create_index(
        op.f("ix_investigations_incident_id"), "investigations", ["incident_id"], unique=False
    )
    op.create_table(
        "bulletin_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bulletin_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.Column("checked", sa.Text(), nullable=False),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("last_reminder_on", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["bulletin_id"],
            ["bulletins.id"],
            name=op.f("fk_bulletin_recipients_bulletin_id_bulletins"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_bulletin_recipients_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulletin_recipients")),
        sa.UniqueConstraint(
            "bulletin_id", "enterprise_id", name=op.f("uq_bulletin_recipients_bulletin_id")
        ),
    )
    op.create_index(
        op.f("ix_bulletin_recipients_bulletin_id"),
        "bulletin_recipients",
        ["bulletin_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_bulletin_recipients_enterprise_id"),
        "bulletin_recipients",
        ["enterprise_id"],
        unique=False,
    )
    op.create_table(
        "cast_controllers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("investigation_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("responsibilities", sa.JSON(), nullable=False),
        sa.Column("control_actions", sa.JSON(), nullable=False),
        sa.Column("feedback_channels", sa.JSON(), nullable=False),
        sa.Column("unsafe_control_actions", sa.JSON(), nullable=False),
        sa.Column("flawed_feedback", sa.JSON(), nullable=False),
        sa.Column("process_model_flaws", sa.JSON(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_cast_controllers_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["investigation_id"],
            ["investigations.id"],
            name=op.f("fk_cast_controllers_investigation_id_investigations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cast_controllers")),
        sa.UniqueConstraint(
            "investigation_id", "key", name=op.f("uq_cast_controllers_investigation_id")
        ),
    )
    op.create_index(
        op.f("ix_cast_controllers_enterprise_id"),
        "cast_controllers",
        ["enterprise_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_cast_controllers_investigation_id"),
        "cast_controllers",
        ["investigation_id"],
        unique=False,
    )
    op.create_table(
        "corrective_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("investigation_id", sa.Integer(), nullable=False),
        sa.Column("controller_key", sa.String(length=64), nullable=False),
        sa.Column("recommendation", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("verified_by", sa.String(length=100), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_corrective_actions_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["investigation_id"],
            ["investigations.id"],
            name=op.f("fk_corrective_actions_investigation_id_investigations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrective_actions")),
    )
    op.create_index(
        op.f("ix_corrective_actions_enterprise_id"),
        "corrective_actions",
        ["enterprise_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_corrective_actions_investigation_id"),
        "corrective_actions",
        ["investigation_id"],
        unique=False,
    )
    op.create_table(
        "investigation_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("investigation_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_investigation_evidence_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["investigation_id"],
            ["investigations.id"],
            name=op.f("fk_investigation_evidence_investigation_id_investigations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_investigation_evidence")),
    )
    op.create_index(
        op.f("ix_investigation_evidence_enterprise_id"),
        "investigation_evidence",
        ["enterprise_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_investigation_evidence_investigation_id"),
        "investigation_evidence",
        ["investigation_id"],
        unique=False,
    )
    op.create_table(
        "investigation_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("investigation_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("about", sa.JSON(), nullable=False),
        sa.Column("hindsight_warnings", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_investigation_findings_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["investigation_id"],
            ["investigations.id"],
            name=op.f("fk_investigation_findings_investigation_id_investigations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_investigation_findings")),
    )
    op.create_index(
        op.f("ix_investigation_findings_enterprise_id"),
        "investigation_findings",
        ["enterprise_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_investigation_findings_investigation_id"),
        "investigation_findings",
        ["investigation_id"],
        unique=False,
    )
    op.create_table(
        "investigation_interviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("investigation_id", sa.Integer(), nullable=False),
        sa.Column("interviewee", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_investigation_interviews_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["investigation_id"],
            ["investigations.id"],
            name=op.f("fk_investigation_interviews_investigation_id_investigations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_investigation_interviews")),
    )
    op.create_index(
        op.f("ix_investigation_interviews_enterprise_id"),
        "investigation_interviews",
        ["enterprise_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_investigation_interviews_investigation_id"),
        "investigation_interviews",
        ["investigation_id"],
        unique=False,
    )
    op.create_table(
        "investigation_timeline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("investigation_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("kiln", sa.String(length=200), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_investigation_timeline_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["investigation_id"],
            ["investigations.id"],
            name=op.f("fk_investigation_timeline_investigation_id_investigations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_investigation_timeline")),
    )
    op.create_index(
        op.f("ix_investigation_timeline_enterprise_id"),
        "investigation_timeline",
        ["enterprise_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_investigation_timeline_investigation_id"),
        "investigation_timeline",
        ["investigation_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_investigation_timeline_investigation_id"), table_name="investigation_timeline"
    )
    op.drop_index(
        op.f("ix_investigation_timeline_enterprise_id"), table_name="investigation_timeline"
    )
    op.drop_table("investigation_timeline")
    op.drop_index(
        op.f("ix_investigation_interviews_investigation_id"), table_name="investigation_interviews"
    )
    op.drop_index(
        op.f("ix_investigation_interviews_enterprise_id"), table_name="investigation_interviews"
    )
    op.drop_table("investigation_interviews")
    op.drop_index(
        op.f("ix_investigation_findings_investigation_id"), table_name="investigation_findings"
    )
    op.drop_index(
        op.f("ix_investigation_findings_enterprise_id"), table_name="investigation_findings"
    )
    op.drop_table("investigation_findings")
    op.drop_index(
        op.f("ix_investigation_evidence_investigation_id"), table_name="investigation_evidence"
    )
    op.drop_index(
        op.f("ix_investigation_evidence_enterprise_id"), table_name="investigation_evidence"
    )
    op.drop_table("investigation_evidence")
    op.drop_index(op.f("ix_corrective_actions_investigation_id"), table_name="corrective_actions")
    op.drop_index(op.f("ix_corrective_actions_enterprise_id"), table_name="corrective_actions")
    op.drop_table("corrective_actions")
    op.drop_index(op.f("ix_cast_controllers_investigation_id"), table_name="cast_controllers")
    op.drop_index(op.f("ix_cast_controllers_enterprise_id"), table_name="cast_controllers")
    op.drop_table("cast_controllers")
    op.drop_index(op.f("ix_bulletin_recipients_enterprise_id"), table_name="bulletin_recipients")
    op.drop_index(op.f("ix_bulletin_recipients_bulletin_id"), table_name="bulletin_recipients")
    op.drop_table("bulletin_recipients")
    op.drop_index(op.f("ix_investigations_incident_id"), table_name="investigations")
    op.drop_index(op.f("ix_investigations_enterprise_id"), table_name="investigations")
    op.drop_table("investigations")
    op.drop_index(op.f("ix_incident_extras_enterprise_id"), table_name="incident_extras")
    op.drop_table("incident_extras")
    op.drop_index(op.f("ix_bulletins_region_id"), table_name="bulletins")
    op.drop_index(op.f("ix_bulletins_enterprise_id"), table_name="bulletins")
    op.drop_table("bulletins")
