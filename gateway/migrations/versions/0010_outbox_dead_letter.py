"""outbox dead letters: ``dead_at`` set after GATEWAY_OUTBOX_MAX_ATTEMPTS failed sends (issue 12.8).

Revision ID: 0010_outbox_dead_letter
Revises: 0009_console
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_outbox_dead_letter"
down_revision: str | None = "0009_console"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("dead_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_outbox_dead_at", ["dead_at"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_dead_at")
        batch.drop_column("dead_at")
