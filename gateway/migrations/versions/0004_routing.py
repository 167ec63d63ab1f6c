"""Routing decision of each order (第十一条): rule, suggested 主办/会办, reason.

Revision ID: 0004_routing
Revises: 0003_lifecycle
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_routing"
down_revision: str | None = "0003_lifecycle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_OPTIONAL = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("route_rule", sa.String(16), nullable=True))
        batch.add_column(sa.Column("route_unit", sa.String(64), nullable=True))
        batch.add_column(sa.Column("route_co_units", JSON_OPTIONAL, nullable=True))
        batch.add_column(sa.Column("route_reason", sa.String(500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        for name in ("route_reason", "route_co_units", "route_unit", "route_rule"):
            batch.drop_column(name)
