"""direct_answers: requests answered without an order (knowledge base, agents),
counted as 直接解答 in the monthly report.

Revision ID: 0005_direct_answers
Revises: 0004_routing
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_direct_answers"
down_revision: str | None = "0004_routing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "direct_answers",
        sa.Column("id", BIGINT_ID, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("category", sa.String(16), nullable=True),
        sa.Column("knowledge_item_id", sa.String(128), nullable=True),
        sa.Column("conversation_id", sa.String(128), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_direct_answers"),
    )
    op.create_index("ix_direct_answers_at", "direct_answers", ["at"])


def downgrade() -> None:
    op.drop_index("ix_direct_answers_at", table_name="direct_answers")
    op.drop_table("direct_answers")
