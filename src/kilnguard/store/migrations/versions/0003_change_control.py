"""change control: change requests, hazards, evidence, reviews, objections, overrules,
transitions, firings, deadline extensions, PSSR checks, hazard zones, zone log, notifications

Hand-checked against store/change_models.py (keep the two identical).

Revision ID: 0003_change_control
Revises: 0001_foundation
Create Date: 2026-11-23 08:00:32.036285
"""

from __future__ import annotations

import sqlalchemy as sa

from kilnguard.store.migrations.columns import (
    col,
    create_tables,
    drop_tables,
    record,
    ref,
)

revision = "0003_change_control"
down_revision = "0001_foundation"
branch_labels = ("change_control",)
depends_on = None


TABLES = (
    record(
        "change_requests",
        ref("kiln_id", "kilns", null=True, index=True),
        col("new_equipment", sa.String(length=200)),
        col("kind", sa.String(length=32)),
        col("title", sa.String(length=300)),
        col("purpose", sa.Text()),
        col("stage", sa.String(length=16), null=True),
        col("proposed_by", sa.String(length=100)),
        col("deadline", sa.DateTime(), null=True),
        col("deadline_set_by", sa.String(length=200)),
        col("deadline_external", sa.Boolean()),
        col("state", sa.String(length=32)),
        col("created_at", sa.DateTime()),
    ),
    record(
        "change_deadline_extensions",
        ref("change_id", "change_requests", index=True),
        col("at", sa.DateTime()),
        col("old_deadline", sa.DateTime()),
        col("new_deadline", sa.DateTime()),
        col("by", sa.String(length=200)),
        col("reason", sa.Text()),
    ),
    record(
        "change_evidence",
        ref("change_id", "change_requests", index=True),
        col("name", sa.String(length=255)),
        col("sha256", sa.String(length=64)),
        col("size_bytes", sa.Integer()),
        col("content_type", sa.String(length=100)),
        col("content", sa.LargeBinary()),
        col("stage", sa.String(length=16), null=True),
        col("uploaded_by", sa.String(length=100)),
        col("uploaded_at", sa.DateTime()),
    ),
    record(
        "change_firings",
        ref("change_id", "change_requests", index=True),
        col("started_at", sa.DateTime()),
        col("ended_at", sa.DateTime(), null=True),
    ),
    record(
        "change_hazard_zones",
        ref("change_id", "change_requests"),
        col("name", sa.String(length=200)),
        col("max_headcount", sa.Integer()),
        col("essential_people", sa.Text()),
        col("radius_m", sa.Float(), null=True),
        col("defined_by", sa.String(length=100)),
        col("defined_at", sa.DateTime()),
        unique=(("change_id",),),
    ),
    record(
        "change_hazards",
        ref("change_id", "change_requests", index=True),
        col("method", sa.String(length=16)),
        col("question", sa.Text()),
        col("hazard", sa.Text()),
        col("cause", sa.Text()),
        col("consequence", sa.Text()),
        col("safeguards", sa.Text()),
    ),
    record(
        "change_objections",
        ref("change_id", "change_requests", index=True),
        col("author", sa.String(length=100)),
        col("role", sa.String(length=32)),
        col("reason", sa.Text()),
        col("at", sa.DateTime()),
        col("withdrawn_at", sa.DateTime(), null=True),
        col("withdrawal_reason", sa.Text()),
    ),
    record(
        "change_pssr_checks",
        ref("change_id", "change_requests", index=True),
        col("item", sa.String(length=32)),
        col("checked_by", sa.String(length=100)),
        col("role", sa.String(length=32)),
        col("at", sa.DateTime()),
        col("note", sa.Text()),
    ),
    record(
        "change_stage_completions",
        ref("change_id", "change_requests", index=True),
        col("stage", sa.String(length=16)),
        col("completed_at", sa.DateTime()),
        ref("prior_change_id", "change_requests", null=True),
        col("recorded_by", sa.String(length=100)),
        col("note", sa.Text()),
    ),
    record(
        "change_transitions",
        ref("change_id", "change_requests", index=True),
        col("at", sa.DateTime()),
        col("action", sa.String(length=32)),
        col("from_state", sa.String(length=32)),
        col("to_state", sa.String(length=32)),
        col("actor", sa.String(length=100)),
        col("role", sa.String(length=32)),
        col("note", sa.Text()),
    ),
    record(
        "change_zone_log",
        ref("change_id", "change_requests", index=True),
        col("person", sa.String(length=200)),
        col("outcome", sa.String(length=16)),
        col("reason", sa.Text()),
        col("at", sa.DateTime()),
        col("recorded_by", sa.String(length=100)),
    ),
    record(
        "change_overrules",
        ref("change_id", "change_requests", index=True),
        col("kind", sa.String(length=16)),
        col("by", sa.String(length=100)),
        col("role", sa.String(length=32)),
        col("reason", sa.Text()),
        col("at", sa.DateTime()),
        ref("objection_id", "change_objections", null=True),
        col("skipped_stage", sa.String(length=16), null=True),
    ),
    record(
        "change_reviews",
        ref("change_id", "change_requests", index=True),
        col("reviewer", sa.String(length=100)),
        col("role", sa.String(length=32)),
        col("decision", sa.String(length=16)),
        col("reason", sa.Text()),
        col("at", sa.DateTime()),
        ref("objection_id", "change_objections", null=True),
    ),
    record(
        "change_notifications",
        ref("region_id", "regions", index=True),
        col("recipient_role", sa.String(length=32)),
        col("kind", sa.String(length=32)),
        ref("change_id", "change_requests", index=True),
        ref("overrule_id", "change_overrules", null=True),
        ref("kiln_id", "kilns", null=True),
        col("subject", sa.String(length=300)),
        col("message", sa.Text()),
        col("created_at", sa.DateTime()),
        col("read_at", sa.DateTime(), null=True),
        col("read_by", sa.String(length=100)),
    ),
)


def upgrade() -> None:
    create_tables(TABLES)


def downgrade() -> None:
    drop_tables(TABLES)
