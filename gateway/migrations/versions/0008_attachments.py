"""attachments: files citizens sent (photos, PDFs, office documents, text), linked to orders.

Revision ID: 0008_attachments
Revises: 0007_outbox
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_attachments"
down_revision: str | None = "0007_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
        sa.Column("order_id", BIGINT_ID, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name="fk_attachments_order_id_orders", ondelete="RESTRICT"
        ),
    )
    op.create_index("ix_attachments_order_id", "attachments", ["order_id"])
    op.create_index("ix_attachments_sender_id_sha256", "attachments", ["sender_id", "sha256"])


def downgrade() -> None:
    op.drop_index("ix_attachments_sender_id_sha256", table_name="attachments")
    op.drop_index("ix_attachments_order_id", table_name="attachments")
    op.drop_table("attachments")
