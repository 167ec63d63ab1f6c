"""Monthly report figures (第二十六条, 第三十一条), as in 商政服函〔2025〕3 号.

All counting happens in SQL (one aggregate query per part), so a report over
100,000 orders needs no per-order Python work. The per-unit columns follow
``gateway.services.lifecycle.timeliness`` exactly, evaluated as of the end of
the period (or now, if earlier). No personal data is read.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import and_, case, func, not_, select
from sqlalchemy.orm import Session

from gateway.domain import OPEN_STATUSES, Channel, OrderStatus, OrderType, Satisfaction
from gateway.models import DirectAnswer, Order
from gateway.services.routing import RoutingTable
from vocabulary import report_label

HOT_CATEGORIES = 5


def percent(numerator: int, denominator: int) -> str:
    """The report's style: ``100%``, ``94.12%``, ``91.30%``, ``80%``, ``0``; ``/`` when nothing to rate."""
    if denominator == 0:
        return "/"
    if numerator == 0:
        return "0"
    value = (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    if value == value.to_integral_value():
        return f"{int(value)}%"
    return f"{value}%"


def period_bounds(start: dt.date, end: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, end+1 00:00) local time, as aware datetimes."""
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=tz),
    )


def build_report(
    session: Session, *, start: dt.date, end: dt.date, tz: dt.tzinfo, routing: RoutingTable, now: dt.datetime
) -> dict[str, Any]:
    lower, upper = period_bounds(start, end, tz)
    as_of = min(upper, now)
    created = and_(Order.created_at >= lower, Order.created_at < upper)
    answered = and_(DirectAnswer.at >= lower, DirectAnswer.at < upper)
    withdrawn = OrderStatus.WITHDRAWN.value

    orders_total = session.scalar(select(func.count()).select_from(Order).where(created)) or 0
    direct_total = session.scalar(select(func.count()).select_from(DirectAnswer).where(answered)) or 0
    dispatched, completed = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Order.status == OrderStatus.COMPLETED.value, 1), else_=0)), 0),
        ).where(created, Order.dispatched_at.is_not(None), Order.status != withdrawn)
    ).one()
    good = (Satisfaction.SATISFIED.value, Satisfaction.BASICALLY_SATISFIED.value)
    evaluated, satisfied, reopened = session.execute(
        select(
            func.count(Order.satisfaction),
            func.coalesce(func.sum(case((Order.satisfaction.in_(good), 1), else_=0)), 0),
            func.coalesce(func.sum(case((Order.reopen_count > 0, 1), else_=0)), 0),
        ).where(created)
    ).one()
    total = orders_total + direct_total

    def merged(order_column: Any, answer_column: Any) -> dict[str, int]:
        counts: dict[str, int] = {}
        for value, count in session.execute(select(order_column, func.count()).where(created).group_by(order_column)):
            if value is not None:
                counts[value] = counts.get(value, 0) + count
        for value, count in session.execute(
            select(answer_column, func.count()).where(answered).group_by(answer_column)
        ):
            if value is not None:
                counts[value] = counts.get(value, 0) + count
        return counts

    def ranked(counts: dict[str, int], order: list[str]) -> list[tuple[str, int]]:
        position = {name: i for i, name in enumerate(order)}
        return sorted(counts.items(), key=lambda kv: (-kv[1], position.get(kv[0], len(order)), kv[0]))

    channels = ranked(merged(Order.channel, DirectAnswer.channel), [c.value for c in Channel])
    types = ranked(merged(Order.type, DirectAnswer.type), [t.value for t in OrderType])
    categories = ranked(merged(Order.category, DirectAnswer.category), [])[:HOT_CATEGORIES]

    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "as_of": as_of.astimezone(tz).replace(microsecond=0).isoformat(),
        "totals": {
            "received": total,
            "answered_directly": direct_total,
            "answered_directly_share": percent(direct_total, total),
            "dispatched": dispatched,
            "dispatched_share": percent(dispatched, total),
            "completed": completed,
            "completion_rate": percent(completed, dispatched),
            "evaluated": evaluated,
            "satisfied": satisfied,
            "satisfaction_rate": percent(satisfied, evaluated),
            "reopened": reopened,
        },
        "by_channel": [
            {"channel": c, "label": report_label(c), "count": n, "share": percent(n, total)}
            for c, n in channels
        ],
        "by_type": [{"type": t, "count": n, "share": percent(n, total)} for t, n in types],
        "hot_categories": [
            {"rank": i, "category": c, "count": n, "share": percent(n, total)} for i, (c, n) in enumerate(categories, 1)
        ],
        "units": unit_table(session, lower=lower, upper=upper, as_of=as_of, routing=routing),
    }


def unit_table(
    session: Session, *, lower: dt.datetime, upper: dt.datetime, as_of: dt.datetime, routing: RoutingTable
) -> dict[str, list[dict[str, Any]]]:
    """联动单位办理情况统计表: orders dispatched in the period, by 主办 unit."""
    finished = func.coalesce(Order.replied_at, Order.completed_at)
    is_completed = Order.status == OrderStatus.COMPLETED.value
    is_open = Order.status.in_([s.value for s in OPEN_STATUSES])
    replied_in_time = and_(
        Order.status == OrderStatus.REPLIED.value, Order.replied_at.is_not(None), Order.replied_at <= Order.due_at
    )
    good = (Satisfaction.SATISFIED.value, Satisfaction.BASICALLY_SATISFIED.value)

    def count_if(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    rows = session.execute(
        select(
            Order.lead_unit,
            func.count(),
            count_if(and_(is_completed, finished <= Order.due_at)),
            count_if(and_(is_completed, finished > Order.due_at)),
            count_if(and_(is_open, Order.due_at < as_of, not_(replied_in_time))),
            func.count(Order.satisfaction),
            count_if(Order.satisfaction.in_(good)),
            count_if(Order.reopen_count > 0),
        )
        .where(
            Order.dispatched_at >= lower,
            Order.dispatched_at < upper,
            Order.lead_unit.is_not(None),
            Order.status != OrderStatus.WITHDRAWN.value,
        )
        .group_by(Order.lead_unit)
    ).all()

    county_names = [u.name for u in routing.county_units]
    city_names = [u.name for u in routing.city_units]
    position = {name: i for i, name in enumerate(county_names + city_names)}
    groups: dict[str, list[tuple[Fraction, int, str, dict[str, Any]]]] = {"county": [], "city": []}
    for unit, assigned, on_time, late, overdue, evaluated, satisfied, reopened in rows:
        row = {
            "unit": unit,
            "assigned": assigned,
            "on_time": on_time,
            "late": late,
            "on_time_rate": percent(on_time, assigned),
            "overdue_open": overdue,
            "satisfaction": percent(satisfied, evaluated),
            # beside the seed's columns (issue 14): how many ratings the rate rests on, and 重办
            "evaluated": evaluated,
            "reopened": reopened,
        }
        group = "county" if unit in county_names else "city"
        groups[group].append((Fraction(on_time, assigned), position.get(unit, len(position)), unit, row))
    # 以按期办结率排序; equal rates keep the order of the routing table (the report's order).
    return {
        name: [row for _rate, _pos, _unit, row in sorted(items, key=lambda t: (-t[0], t[1], t[2]))]
        for name, items in groups.items()
    }
