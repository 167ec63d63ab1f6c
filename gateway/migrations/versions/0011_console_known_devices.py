"""console_known_devices: browsers that logged in as a user, for login throttling that never
locks a name out for its owner's known browser (issue 12.10).

Revision ID: 0011_console_known_devices
Revises: 0010_outbox_dead_letter
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_console_known_devices"
down_revision: str | None = "0010_outbox_dead_letter"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "console_known_devices",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("user_id", BIGINT_ID, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("last_used_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_console_known_devices"),
        sa.ForeignKeyConstraint(["user_id"], ["console_users.id"], ondelete="CASCADE",
                                name="fk_console_known_devices_user_id_console_users"),
    )
    op.create_index("ix_console_known_devices_user_id", "console_known_devices", ["user_id"])
    op.create_index("ix_console_known_devices_last_used_at", "console_known_devices", ["last_used_at"])


def downgrade() -> None:
    op.drop_index("ix_console_known_devices_last_used_at", table_name="console_known_devices")
    op.drop_index("ix_console_known_devices_user_id", table_name="console_known_devices")
    op.drop_table("console_known_devices")
