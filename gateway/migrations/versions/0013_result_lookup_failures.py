"""result_lookup_failures: failed lookups of an order's result on the web, per order number and address (issue 14).

Revision ID: 0013_result_lookup_failures
Revises: 0012_notifications
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_result_lookup_failures"
down_revision: str | None = "0012_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "result_lookup_failures",
        sa.Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_result_lookup_failures"),
    )
    op.create_index("ix_result_lookup_failures_at", "result_lookup_failures", ["at"])
    op.create_index("ix_result_lookup_failures_key_at", "result_lookup_failures", ["key", "at"])


def downgrade() -> None:
    op.drop_index("ix_result_lookup_failures_key_at", table_name="result_lookup_failures")
    op.drop_index("ix_result_lookup_failures_at", table_name="result_lookup_failures")
    op.drop_table("result_lookup_failures")
