"""Lifecycle: dispatch/sign/reply/complete times, pending return or extension
request, reply (第二十条), satisfaction, counters.

Revision ID: 0003_lifecycle
Revises: 0002_order_fields
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003_lifecycle"
down_revision: str | None = "0002_order_fields"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON_OPTIONAL = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")

_COLUMNS = (
    ("dispatched_at", TIMESTAMP, {}),
    ("signed_at", TIMESTAMP, {}),
    ("replied_at", TIMESTAMP, {}),
    ("completed_at", TIMESTAMP, {}),
    ("resume_status", sa.String(32), {}),
    ("pending_request", JSON_OPTIONAL, {}),
    ("reply", JSON_OPTIONAL, {}),
    ("satisfaction", sa.String(8), {}),
    ("satisfaction_comment", sa.String(500), {}),
    ("extension_count", sa.Integer(), {"nullable": False, "server_default": "0"}),
    ("return_count", sa.Integer(), {"nullable": False, "server_default": "0"}),
    ("reopen_count", sa.Integer(), {"nullable": False, "server_default": "0"}),
)


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        for name, type_, options in _COLUMNS:
            batch.add_column(sa.Column(name, type_, **{"nullable": True, **options}))
    op.create_index("ix_orders_dispatched_at", "orders", ["dispatched_at"])


def downgrade() -> None:
    op.drop_index("ix_orders_dispatched_at", table_name="orders")
    with op.batch_alter_table("orders") as batch:
        for name, _type, _options in reversed(_COLUMNS):
            batch.drop_column(name)
