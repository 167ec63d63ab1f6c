"""personal_data_reads: audit log of reads of citizens' personal data.

Revision ID: 0006_personal_data_reads
Revises: 0005_direct_answers
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_personal_data_reads"
down_revision: str | None = "0005_direct_answers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "personal_data_reads",
        sa.Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("order_no", sa.String(32), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_personal_data_reads"),
    )
    op.create_index("ix_personal_data_reads_at", "personal_data_reads", ["at"])
    op.create_index("ix_personal_data_reads_order_no", "personal_data_reads", ["order_no"])


def downgrade() -> None:
    op.drop_index("ix_personal_data_reads_order_no", table_name="personal_data_reads")
    op.drop_index("ix_personal_data_reads_at", table_name="personal_data_reads")
    op.drop_table("personal_data_reads")
