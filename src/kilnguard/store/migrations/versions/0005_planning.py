"""planning: adopted plans (plan_adoptions), planned production and planned shifts

Hand-written against store/planning_models.py (keep the two identical).

Revision ID: 0005_planning
Revises: 0001_foundation
Create Date: 2026-11-23 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_planning"
down_revision = "0001_foundation"
branch_labels = ("planning",)
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _index(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "plan_adoptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("adopted_by", sa.String(length=100), nullable=False),
        sa.Column("adopted_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("feasible", sa.Boolean(), nullable=False),
        sa.Column("allowed_load_margin", sa.Float(), nullable=False),
        sa.Column("planned_output_t", sa.Float(), nullable=False),
        sa.Column("replay_worst_level", sa.String(length=8), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        _fk("plan_adoptions", "enterprise_id", "enterprises"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_adoptions")),
    )
    _index("plan_adoptions", "enterprise_id")
    op.create_table(
        "planned_production",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("adoption_id", sa.Integer(), nullable=False),
        sa.Column("kiln_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shift_no", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("end_at", sa.DateTime(), nullable=False),
        sa.Column("output_t", sa.Float(), nullable=False),
        sa.Column("load_ratio", sa.Float(), nullable=False),
        _fk("planned_production", "enterprise_id", "enterprises"),
        _fk("planned_production", "adoption_id", "plan_adoptions"),
        _fk("planned_production", "kiln_id", "kilns"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planned_production")),
    )
    _index("planned_production", "adoption_id", "enterprise_id", "kiln_id")
    op.create_table(
        "planned_shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("adoption_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("crew_id", sa.Integer(), nullable=True),
        sa.Column("kiln_id", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("end_at", sa.DateTime(), nullable=False),
        sa.Column("night", sa.Boolean(), nullable=False),
        _fk("planned_shifts", "enterprise_id", "enterprises"),
        _fk("planned_shifts", "adoption_id", "plan_adoptions"),
        _fk("planned_shifts", "worker_id", "workers"),
        _fk("planned_shifts", "crew_id", "crews"),
        _fk("planned_shifts", "kiln_id", "kilns"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planned_shifts")),
    )
    _index("planned_shifts", "adoption_id", "enterprise_id", "worker_id")


def downgrade() -> None:
    op.drop_table("planned_shifts")
    op.drop_table("planned_production")
    op.drop_table("plan_adoptions")
