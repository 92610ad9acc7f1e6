"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

from __future__ import annotations

from kilnguard.store.migrations import columns as c

${imports if imports else ""}
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}

# create (upgrade) and drop (downgrade) the tables of schema/${up_revision}.toml, a new frozen
# snapshot; a revision with imperative steps (op.add_column, data) defines upgrade() and
# downgrade() instead, calling c.create_tables(c.load(revision)) beside its op.* calls
upgrade, downgrade = c.snapshot_steps(revision)
