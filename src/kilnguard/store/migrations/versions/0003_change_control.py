"""change control: change requests, hazards, evidence, reviews, objections, overrules,
transitions, firings, deadline extensions, PSSR checks, hazard zones, zone log, notifications

Hand-checked against store/change_models.py (keep the two identical).

Revision ID: 0003_change_control
Revises: 0001_foundation
Create Date: 2026-11-23 08:00:32.036285
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_change_control"
down_revision = "0001_foundation"
branch_labels = ("change_control",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("kiln_id", sa.Integer(), nullable=True),
        sa.Column("new_equipment", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=True),
        sa.Column("proposed_by", sa.String(length=100), nullable=False),
        sa.Column("deadline", sa.DateTime(), nullable=True),
        sa.Column("deadline_set_by", sa.String(length=200), nullable=False),
        sa.Column("deadline_external", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_change_requests_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["kiln_id"], ["kilns.id"], name=op.f("fk_change_requests_kiln_id_kilns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_requests")),
    )
    with op.batch_alter_table("change_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_requests_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_change_requests_kiln_id"), ["kiln_id"], unique=False)

    op.create_table(
        "change_deadline_extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("old_deadline", sa.DateTime(), nullable=False),
        sa.Column("new_deadline", sa.DateTime(), nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_requests.id"],
            name=op.f("fk_change_deadline_extensions_change_id_change_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_change_deadline_extensions_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_deadline_extensions")),
    )
    with op.batch_alter_table("change_deadline_extensions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_deadline_extensions_change_id"), ["change_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_change_deadline_extensions_enterprise_id"),
            ["enterprise_id"],
            unique=False,
        )

    op.create_table(
        "change_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=True),
        sa.Column("uploaded_by", sa.String(length=100), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_requests.id"],
            name=op.f("fk_change_evidence_change_id_change_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_change_evidence_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_evidence")),
    )
    with op.batch_alter_table("change_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_evidence_change_id"), ["change_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_change_evidence_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "change_firings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_requests.id"],
            name=op.f("fk_change_firings_change_id_change_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_change_firings_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_firings")),
    )
    with op.batch_alter_table("change_firings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_firings_change_id"), ["change_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_change_firings_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "change_hazard_zones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("max_headcount", sa.Integer(), nullable=False),
        sa.Column("essential_people", sa.Text(), nullable=False),
        sa.Column("radius_m", sa.Float(), nullable=True),
        sa.Column("defined_by", sa.String(length=100), nullable=False),
        sa.Column("defined_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_requests.id"],
            name=op.f("fk_change_hazard_zones_change_id_change_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_change_hazard_zones_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_hazard_zones")),
        sa.UniqueConstraint("change_id", name=op.f("uq_change_hazard_zones_change_id")),
    )
    with op.batch_alter_table("change_hazard_zones", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_hazard_zones_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "change_hazards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("hazard", sa.Text(), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("consequence", sa.Text(), nullable=False),
        sa.Column("safeguards", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_requests.id"],
            name=op.f("fk_change_hazards_change_id_change_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_change_hazards_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_hazards")),
    )
    with op.batch_alter_table("change_hazards", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_hazards_change_id"), ["change_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_change_hazards_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "change_objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_requests.id"],
            name=op.f("fk_change_objections_change_id_change_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_change_objections_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_objections")),
    )
    with op.batch_alter_table("change_objections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_objections_change_id"), ["change_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_change_objections_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "change_pssr_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=32), nullable=False),
        sa.Column("checked_by", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_requests.id"],
            name=op.f("fk_change_pssr_checks_change_id_change_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_change_pssr_checks_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_pssr_checks")),
    )
    with op.batch_alter_table("change_pssr_checks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_pssr_checks_change_id"), ["change_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_change_pssr_checks_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "change_stage_completions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=False),
        sa.Column("prior_change_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_requests.id"],
            name=op.f("fk_change_stage_completions_change_id_change_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_change_stage_completions_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["prior_change_id"],
            ["change_requests.id"],
            name=op.f("fk_change_stage_completions_prior_change_id_change_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_stage_completions")),
    )
    with op.batch_alter_table("change_stage_completions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_stage_completions_change_id"), ["change_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_change_stage_completions_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "change_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=32), nullable=False),
        sa.Column("to_state", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_requests.id"],
            name=op.f("fk_change_transitions_change_id_change_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_change_transitions_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_transitions")),
    )
    with op.batch_alter_table("change_transitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_transitions_change_id"), ["change_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_change_transitions_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "change_zone_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_requests.id"],
            name=op.f("fk_change_zone_log_change_id_change_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_change_zone_log_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_zone_log")),
    )
    with op.batch_alter_table("change_zone_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_zone_log_change_id"), ["change_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_change_zone_log_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "change_overrules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("objection_id", sa.Integer(), nullable=True),
        sa.Column("skipped_stage", sa.String(length=16), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_requests.id"],
            name=op.f("fk_change_overrules_change_id_change_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_change_overrules_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["objection_id"],
            ["change_objections.id"],
            name=op.f("fk_change_overrules_objection_id_change_objections"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_overrules")),
    )
    with op.batch_alter_table("change_overrules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_overrules_change_id"), ["change_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_change_overrules_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "change_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("objection_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_requests.id"],
            name=op.f("fk_change_reviews_change_id_change_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_change_reviews_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["objection_id"],
            ["change_objections.id"],
            name=op.f("fk_change_reviews_objection_id_change_objections"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_reviews")),
    )
    with op.batch_alter_table("change_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_reviews_change_id"), ["change_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_change_reviews_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "change_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("recipient_role", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("overrule_id", sa.Integer(), nullable=True),
        sa.Column("kiln_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column("read_by", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_requests.id"],
            name=op.f("fk_change_notifications_change_id_change_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_change_notifications_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["kiln_id"], ["kilns.id"], name=op.f("fk_change_notifications_kiln_id_kilns")
        ),
        sa.ForeignKeyConstraint(
            ["overrule_id"],
            ["change_overrules.id"],
            name=op.f("fk_change_notifications_overrule_id_change_overrules"),
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_change_notifications_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_notifications")),
    )
    with op.batch_alter_table("change_notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_notifications_change_id"), ["change_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_change_notifications_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_change_notifications_region_id"), ["region_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("change_notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_notifications_region_id"))
        batch_op.drop_index(batch_op.f("ix_change_notifications_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_change_notifications_change_id"))

    op.drop_table("change_notifications")
    with op.batch_alter_table("change_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_reviews_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_change_reviews_change_id"))

    op.drop_table("change_reviews")
    with op.batch_alter_table("change_overrules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_overrules_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_change_overrules_change_id"))

    op.drop_table("change_overrules")
    with op.batch_alter_table("change_zone_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_zone_log_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_change_zone_log_change_id"))

    op.drop_table("change_zone_log")
    with op.batch_alter_table("change_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_transitions_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_change_transitions_change_id"))

    op.drop_table("change_transitions")
    with op.batch_alter_table("change_stage_completions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_stage_completions_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_change_stage_completions_change_id"))

    op.drop_table("change_stage_completions")
    with op.batch_alter_table("change_pssr_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_pssr_checks_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_change_pssr_checks_change_id"))

    op.drop_table("change_pssr_checks")
    with op.batch_alter_table("change_objections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_objections_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_change_objections_change_id"))

    op.drop_table("change_objections")
    with op.batch_alter_table("change_hazards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_hazards_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_change_hazards_change_id"))

    op.drop_table("change_hazards")
    with op.batch_alter_table("change_hazard_zones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_hazard_zones_enterprise_id"))

    op.drop_table("change_hazard_zones")
    with op.batch_alter_table("change_firings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_firings_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_change_firings_change_id"))

    op.drop_table("change_firings")
    with op.batch_alter_table("change_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_evidence_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_change_evidence_change_id"))

    op.drop_table("change_evidence")
    with op.batch_alter_table("change_deadline_extensions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_deadline_extensions_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_change_deadline_extensions_change_id"))

    op.drop_table("change_deadline_extensions")
    with op.batch_alter_table("change_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_requests_kiln_id"))
        batch_op.drop_index(batch_op.f("ix_change_requests_enterprise_id"))

    op.drop_table("change_requests")
