"""foundation: plant records, users, audit log

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-23 07:47:38.786484
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

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None


TABLES = (
    Table(
        "audit_log",
        (
            ID,
            col("seq", sa.BigInteger()),
            col("at", sa.DateTime()),
            col("actor", sa.String(length=100)),
            col("action", sa.String(length=64)),
            col("entity", sa.String(length=64)),
            col("entity_id", sa.String(length=64)),
            col("enterprise_id", sa.Integer(), null=True, index=True),
            col("payload", sa.Text()),
            col("prev_hash", sa.String(length=64)),
            col("entry_hash", sa.String(length=64)),
        ),
        unique=(("seq",),),
    ),
    Table(
        "hash_chain_head",
        (
            ID,
            col("last_seq", sa.BigInteger()),
            col("last_hash", sa.String(length=64)),
        ),
    ),
    Table(
        "regions",
        (
            ID,
            col("name", sa.String(length=200)),
            col("timezone", sa.String(length=64)),
        ),
        unique=(("name",),),
    ),
    Table(
        "enterprises",
        (
            ID,
            ref("region_id", "regions", index=True),
            col("name", sa.String(length=200)),
            col("tier", sa.Integer()),
            col("sector", sa.String(length=100)),
        ),
        unique=(("name",),),
    ),
    Table(
        "users",
        (
            ID,
            col("username", sa.String(length=100)),
            col("display_name", sa.String(length=200)),
            col("password_hash", sa.String(length=255)),
            col("role", sa.String(length=32)),
            ref("region_id", "regions", null=True),
            col("active", sa.Boolean()),
        ),
        unique=(("username",),),
    ),
    Table(
        "credentials",
        (
            ID,
            ref("user_id", "users", index=True),
            col("kind", sa.String(length=16)),
            col("name", sa.String(length=200)),
            col("secret_sha256", sa.String(length=64)),
            col("created_at", sa.DateTime()),
            col("expires_at", sa.DateTime(), null=True),
        ),
        unique=(("secret_sha256",),),
    ),
    Table(
        "crews",
        (
            ID,
            ENTERPRISE_ID,
            col("name", sa.String(length=100)),
        ),
        unique=(("enterprise_id", "name"),),
    ),
    Table(
        "sections",
        (
            ID,
            ENTERPRISE_ID,
            col("name", sa.String(length=200)),
        ),
        unique=(("enterprise_id", "name"),),
    ),
    Table(
        "user_enterprises",
        (
            ref("user_id", "users"),
            ref("enterprise_id", "enterprises"),
        ),
        primary_key=("user_id", "enterprise_id"),
    ),
    record(
        "kilns",
        ref("section_id", "sections", null=True, index=True),
        col("name", sa.String(length=200)),
        col("kind", sa.String(length=16)),
        col("rated_capacity_t_per_day", sa.Float()),
        col("max_temperature_c", sa.Float()),
        col("campaign_limit_days", sa.Integer()),
        col("lining_installed_on", sa.Date(), null=True),
        col("lining_design_life_days", sa.Integer(), null=True),
        unique=(("enterprise_id", "name"),),
    ),
    record(
        "workers",
        ref("crew_id", "crews", null=True, index=True),
        col("name", sa.String(length=200)),
        col("job", sa.String(length=100)),
        col("qualifications", sa.String(length=200)),
    ),
    record(
        "incidents",
        ref("kiln_id", "kilns", null=True),
        ref("section_id", "sections", null=True),
        col("occurred_at", sa.DateTime()),
        col("event_type", sa.String(length=32)),
        col("killed", sa.Integer()),
        col("seriously_injured", sa.Integer()),
        col("minor_injuries", sa.Integer()),
        col("missing", sa.Integer()),
        col("description", sa.Text()),
        col("immediate_actions", sa.Text()),
    ),
    record(
        "maintenance_plans",
        ref("kiln_id", "kilns", index=True),
        col("task", sa.String(length=200)),
        col("interval_days", sa.Integer(), null=True),
        col("interval_t", sa.Float(), null=True),
        col("duration_days", sa.Integer()),
        col("safety_critical", sa.Boolean()),
    ),
    record(
        "planned_stops",
        ref("kiln_id", "kilns", index=True),
        col("start_on", sa.Date()),
        col("end_on", sa.Date()),
        col("reason", sa.Text()),
    ),
    record(
        "production_records",
        ref("kiln_id", "kilns"),
        col("day", sa.Date()),
        col("shift_no", sa.Integer()),
        col("output_t", sa.Float()),
        col("hours_fired", sa.Float()),
        col("note", sa.Text()),
        index=(Named("ix_production_kiln_day", ("kiln_id", "day")),),
    ),
    record(
        "shifts",
        ref("worker_id", "workers"),
        ref("crew_id", "crews", null=True),
        ref("kiln_id", "kilns", null=True, index=True),
        ref("section_id", "sections", null=True),
        col("start_at", sa.DateTime()),
        col("end_at", sa.DateTime()),
        col("role", sa.String(length=100)),
        index=(Named("ix_shifts_worker_start", ("worker_id", "start_at")),),
    ),
    record(
        "targets",
        ref("section_id", "sections", null=True),
        ref("kiln_id", "kilns", null=True),
        col("description", sa.Text()),
        col("quantity_t", sa.Float()),
        col("entered_on", sa.Date()),
        col("deadline", sa.Date()),
        col("imposed_by", sa.String(length=200)),
        col("additional", sa.Boolean()),
    ),
    record(
        "work_orders",
        ref("kiln_id", "kilns", index=True),
        ref("plan_id", "maintenance_plans", null=True),
        col("task", sa.String(length=200)),
        col("safety_critical", sa.Boolean()),
        col("due_on", sa.Date()),
        col("done_on", sa.Date(), null=True),
        col("findings", sa.Text()),
    ),
    record(
        "work_order_deferrals",
        ref("work_order_id", "work_orders", index=True),
        col("deferred_on", sa.Date()),
        col("previous_due_on", sa.Date()),
        col("new_due_on", sa.Date()),
        col("reason", sa.Text()),
        col("deferred_by", sa.String(length=200)),
    ),
)


def upgrade() -> None:
    create_tables(TABLES)


def downgrade() -> None:
    drop_tables(TABLES)
