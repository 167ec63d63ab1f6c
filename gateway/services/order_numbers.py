"""Order numbers: ``SL`` + yyyymmdd (local date) + 6-digit per-day sequence.

The sequence lives in ``order_no_counters`` and is advanced with one atomic
``INSERT .. ON CONFLICT DO UPDATE .. RETURNING`` inside the order's own
transaction, so replicas sharing a PostgreSQL database never hand out the same
number (the row lock is held until commit) and a rolled-back order gives its
number back.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gateway.domain import ORDER_NO_PREFIX
from gateway.models import OrderNoCounter

SEQUENCE_DIGITS = 6


def next_order_no(session: Session, local_day: dt.date) -> str:
    day_key = local_day.strftime("%Y%m%d")
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    stmt = (
        insert(OrderNoCounter)
        .values(day=day_key, last_value=1)
        .on_conflict_do_update(
            index_elements=[OrderNoCounter.day],
            set_={"last_value": OrderNoCounter.last_value + 1},
        )
        .returning(OrderNoCounter.last_value)
    )
    value = session.execute(stmt).scalar_one()
    # More than 999999 orders on one day widens the number; not reachable in practice.
    return f"{ORDER_NO_PREFIX}{day_key}{value:0{SEQUENCE_DIGITS}d}"
