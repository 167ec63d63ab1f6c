"""Order gateway benchmark: creation throughput and latency, report time.

    PYTHONPATH=. .venv/svc/bin/python bench/gateway_orders.py [--orders 300] [--report-orders 100000]

1. Starts the real gateway (uvicorn, one process) on a fresh SQLite file and on a
   fresh PostgreSQL database (127.0.0.1:5432, user postgres; BENCH_PG_ADMIN_URL
   overrides) and creates orders with 1, 10 and 50 concurrent clients
   (POST /api/v1/orders with an Idempotency-Key, distinct senders, duplicate
   check on as in production). Prints orders/s, p50 and p95 latency.
2. Inserts ``--report-orders`` dispatched orders straight into each database and
   times ``build_report`` for the month (what GET /api/v1/reports runs).

Results are printed as a Markdown table (copy them into docs/gateway.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import insert, make_url

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from gateway.core.db import Database  # noqa: E402
from gateway.migrate import upgrade  # noqa: E402
from gateway.models import Order  # noqa: E402
from gateway.services.reports import build_report  # noqa: E402
from gateway.services.routing import RoutingTableStore  # noqa: E402

CST = dt.timezone(dt.timedelta(hours=8))
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TOKEN = secrets.token_urlsafe(16)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gateway(database_url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update(PYTHONPATH=str(REPO_ROOT), DATABASE_URL=database_url, GATEWAY_API_TOKEN=TOKEN, GATEWAY_LOG_LEVEL="WARNING")
    command = [sys.executable, "-m", "uvicorn", "gateway.main:app", "--host", "127.0.0.1", "--port", str(port),
               "--no-access-log", "--log-level", "warning"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit(f"gateway did not start:\n{log.read_text()}")


def create_orders(url: str, clients: int, orders: int, tag: str) -> dict[str, float]:
    latencies: list[float] = []

    def work(worker: int) -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60) as http:
            for i in range(worker, orders, clients):
                body = {"type": "求助", "sender_id": f"{tag}-{i}", "description": f"小区停水两天了，第{i}户希望帮忙协调",
                        "district": "商州区", "contact_phone": "13800000000"}
                started = time.perf_counter()
                response = http.post("/api/v1/orders", json=body, headers={"Idempotency-Key": f"{tag}-{i}"})
                latencies.append(time.perf_counter() - started)
                response.raise_for_status()

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(work, range(clients)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "throughput": orders / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
    }


def report_time(database_url: str, count: int) -> float:
    database = Database(database_url)
    due = dt.datetime(2025, 1, 13, 23, 59, 59, tzinfo=CST)
    units = [u.name for u in RoutingTableStore().current().county_units + RoutingTableStore().current().city_units]
    rows = []
    for i in range(count):
        created = dt.datetime(2025, 1, 2, 8, tzinfo=CST) + dt.timedelta(seconds=20 * i)
        status = ("completed", "completed", "handling")[i % 3]
        replied = created + dt.timedelta(days=(i % 9)) if status == "completed" else None
        rows.append({
            "order_no": f"SB{i:014d}", "type": ("求助", "咨询", "投诉")[i % 3], "status": status, "channel": "phone",
            "sender_id": f"b{i}", "contact_phone": "13800000000", "anonymous": False, "reply_required": True,
            "description": "生成的基准测试工单", "created_at": created, "updated_at": created,
            "due_at": max(due, created + dt.timedelta(days=7)), "urgent": False, "lead_unit": units[i % len(units)],
            "dispatched_at": created, "replied_at": replied, "completed_at": replied,
            "satisfaction": ("满意", "不满意", None)[i % 3] if status == "completed" else None,
            "extension_count": 0, "return_count": 0, "reopen_count": 0, "category": "住房城乡建设",
        })
    with database.sessionmaker() as session:
        for start in range(0, count, 5000):
            session.execute(insert(Order), rows[start:start + 5000])
        session.commit()
    with database.sessionmaker() as session:
        started = time.perf_counter()
        build_report(session, start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31), tz=CST,
                     routing=RoutingTableStore().current(), now=dt.datetime(2025, 4, 1, tzinfo=CST))
        elapsed = time.perf_counter() - started
    database.dispose()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300, help="orders per concurrency level")
    parser.add_argument("--report-orders", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gw-bench-"))
    results: list[str] = ["| backend | clients | orders/s | p50 ms | p95 ms |", "|---|---|---|---|---|"]
    report_lines: list[str] = []
    created_dbs: list[str] = []
    try:
        for backend in args.backends.split(","):
            if backend == "sqlite":
                url = f"sqlite:///{work / 'bench.db'}"
                report_url = f"sqlite:///{work / 'report.db'}"
            else:
                names = [f"gw_bench_{secrets.token_hex(4)}" for _ in range(2)]
                with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                    for name in names:
                        conn.execute(f'CREATE DATABASE "{name}"')
                created_dbs.extend(names)
                base = make_url(PG_ADMIN).set(drivername="postgresql+psycopg")
                url, report_url = (base.set(database=n).render_as_string(hide_password=False) for n in names)
            process, gateway_url = start_gateway(url, work / f"{backend}.log")
            try:
                for clients in (1, 10, 50):
                    r = create_orders(gateway_url, clients, args.orders, f"{backend}-{clients}")
                    results.append(f"| {backend} | {clients} | {r['throughput']:.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} |")
                    print(results[-1], flush=True)
            finally:
                process.terminate()
                process.wait(10)
            upgrade(report_url)
            seconds = report_time(report_url, args.report_orders)
            report_lines.append(f"| {backend} | {args.report_orders} | {seconds:.2f} s |")
            print(report_lines[-1], flush=True)
    finally:
        if created_dbs:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                for name in created_dbs:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print("\n".join(results))
    print("\n| backend | orders | report time |\n|---|---|---|\n" + "\n".join(report_lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
