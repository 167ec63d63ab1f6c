"""Order fields: category, urgent, lead/co units, sign deadline, attachments,
source conversation, knowledge items shown.

Revision ID: 0002_order_fields
Revises: 0001_initial
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_order_fields"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON_OPTIONAL = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")

_JSON_COLUMNS = ("co_units", "attachments", "source_conversation", "knowledge_items")


def upgrade() -> None:
    # batch mode: SQLite cannot ALTER most things in place; on PostgreSQL it is plain ALTER TABLE.
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("category", sa.String(16), nullable=True))
        batch.add_column(sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("lead_unit", sa.String(64), nullable=True))
        for name in _JSON_COLUMNS[:1]:
            batch.add_column(sa.Column(name, JSON_OPTIONAL, nullable=True))
        batch.add_column(sa.Column("accept_due_at", TIMESTAMP, nullable=True))
        for name in _JSON_COLUMNS[1:]:
            batch.add_column(sa.Column(name, JSON_OPTIONAL, nullable=True))
    op.create_index("ix_orders_lead_unit", "orders", ["lead_unit"])


def downgrade() -> None:
    op.drop_index("ix_orders_lead_unit", table_name="orders")
    with op.batch_alter_table("orders") as batch:
        for name in reversed(_JSON_COLUMNS):
            batch.drop_column(name)
        batch.drop_column("accept_due_at")
        batch.drop_column("lead_unit")
        batch.drop_column("urgent")
        batch.drop_column("category")
