"""notifications: the result of an order on its way to the citizen's channel (issue 14).

Revision ID: 0012_notifications
Revises: 0011_console_known_devices
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012_notifications"
down_revision: str | None = "0011_console_known_devices"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
        sa.Column("order_no", sa.String(32), nullable=False),
        sa.Column("event_key", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", TIMESTAMP, nullable=False),
        sa.Column("sent_at", TIMESTAMP, nullable=True),
        sa.Column("dead_at", TIMESTAMP, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("outcome_at", TIMESTAMP, nullable=True),
        sa.Column("outcome_detail", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint("order_no", "event_key", name="uq_notifications_order_no_event_key"),
    )
    op.create_index("ix_notifications_order_no", "notifications", ["order_no"])
    op.create_index("ix_notifications_next_attempt_at", "notifications", ["next_attempt_at"])
    op.create_index("ix_notifications_dead_at", "notifications", ["dead_at"])
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("supervisor_queue_at", TIMESTAMP, nullable=True))
        batch.add_column(sa.Column("supervisor_queue_reason", sa.String(500), nullable=True))
        batch.create_index("ix_orders_supervisor_queue_at", ["supervisor_queue_at"])


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_index("ix_orders_supervisor_queue_at")
        batch.drop_column("supervisor_queue_reason")
        batch.drop_column("supervisor_queue_at")
    op.drop_index("ix_notifications_dead_at", table_name="notifications")
    op.drop_index("ix_notifications_next_attempt_at", table_name="notifications")
    op.drop_index("ix_notifications_order_no", table_name="notifications")
    op.drop_table("notifications")
