"""planning: adopted plans (plan_adoptions), planned production and planned shifts

Hand-written against store/planning_models.py (keep the two identical).

Revision ID: 0005_planning
Revises: 0001_foundation
Create Date: 2026-11-23 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa

from kilnguard.store.migrations.columns import (
    ENTERPRISE_ID,
    ID,
    Table,
    col,
    create_tables,
    drop_tables,
    ref,
)

revision = "0005_planning"
down_revision = "0001_foundation"
branch_labels = ("planning",)
depends_on = None


TABLES = (
    Table(
        "plan_adoptions",
        (
            ID,
            ENTERPRISE_ID,
            col("as_of", sa.Date()),
            col("first_day", sa.Date()),
            col("last_day", sa.Date()),
            col("adopted_by", sa.String(length=100)),
            col("adopted_at", sa.DateTime()),
            col("status", sa.String(length=16)),
            col("feasible", sa.Boolean()),
            col("allowed_load_margin", sa.Float()),
            col("planned_output_t", sa.Float()),
            col("replay_worst_level", sa.String(length=8)),
            col("summary", sa.Text()),
        ),
    ),
    Table(
        "planned_production",
        (
            ID,
            ENTERPRISE_ID,
            ref("adoption_id", "plan_adoptions", index=True),
            ref("kiln_id", "kilns", index=True),
            col("day", sa.Date()),
            col("shift_no", sa.Integer()),
            col("start_at", sa.DateTime()),
            col("end_at", sa.DateTime()),
            col("output_t", sa.Float()),
            col("load_ratio", sa.Float()),
        ),
        fk_order="column",
    ),
    Table(
        "planned_shifts",
        (
            ID,
            ENTERPRISE_ID,
            ref("adoption_id", "plan_adoptions", index=True),
            ref("worker_id", "workers", index=True),
            ref("crew_id", "crews", null=True),
            ref("kiln_id", "kilns"),
            col("start_at", sa.DateTime()),
            col("end_at", sa.DateTime()),
            col("night", sa.Boolean()),
        ),
        fk_order="column",
    ),
)


def upgrade() -> None:
    create_tables(TABLES)


def downgrade() -> None:
    drop_tables(TABLES)
