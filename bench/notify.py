"""Notice bench (issue 12.3): queue a notice to 10,000 customers, then deliver it with one worker.

1. Queueing: `notify_many` for 10,000 recipients (8,000 with a phone only, 2,000 with an account
   too, so SMS and inbox), with TASKS_BACKEND=database, timed from the call to the commit that
   enqueues the delivery tasks (target < 5 s).
2. Delivery: one `manage.py db_worker` (a subprocess, TASKS_BACKEND=database) sends every SMS to a
   fake gateway, a tiny HTTP server in this process that answers at once; the throughput is the
   messages sent over the time from the first send to the last. An ordinary task (`ping`,
   default priority) is enqueued right after the notice: its wait shows a big notice does not
   hold up the other work.

    python -m bench.notify             # or: python -m bench --only notify
    python -m bench.notify --recipients 10000 --database sqlite:///bench-notify.sqlite3

The database is its own (default PostgreSQL `bandian_bench_notify`), created when missing; the
notice's rows are deleted before each run.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/bandian_bench_notify"
TARGET_QUEUE_S = 5.0
REF = "BENCH-NOTICE"


class FakeGateway:
    """Answers every POST at once with `{"id": ...}`, over kept-alive HTTP/1.1 connections."""

    def __init__(self) -> None:
        self.count = 0
        gateway = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # one segment per answer: no delayed-ACK stall

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                gateway.count += 1
                body = json.dumps({"id": f"fake-{gateway.count}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _setup(database: str) -> None:
    os.environ["BENCH_DATABASE_URL"] = database
    os.environ["TASKS_BACKEND"] = "database"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    from bench.__main__ import prepare_database

    if not database.startswith("sqlite"):
        prepare_database(database, rebuild=False)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _recipients(n: int, with_accounts: int) -> list[Any]:
    from bandian.accounts.models import User
    from bandian.notify.services import Recipient

    users = {u.username: u for u in User.objects.filter(username__startswith="bench-notify-")}
    missing = [f"bench-notify-{i:05d}" for i in range(with_accounts) if f"bench-notify-{i:05d}" not in users]
    if missing:
        User.objects.bulk_create(
            [User(username=name, phone=f"139{int(name[-5:]):08d}", password="!") for name in missing],
            batch_size=1000,
        )
        users = {u.username: u for u in User.objects.filter(username__startswith="bench-notify-")}
    counties = ["522601", "522622", "522623", "522624"]
    people = []
    for i in range(n):
        user = users.get(f"bench-notify-{i:05d}") if i < with_accounts else None
        people.append(
            Recipient(
                customer=f"LV{i:07d}",
                name=f"客户{i}",
                county_id=counties[i % len(counties)],
                phone="" if user else f"138{i:08d}",
                user=user,
            )
        )
    return people


def _clean() -> None:
    from django_tasks_db.models import DBTaskResult

    from bandian.notify.models import Batch, Message

    Message.objects.filter(ref=REF).delete()
    Batch.objects.filter(ref=REF).delete()
    DBTaskResult.objects.all().delete()


def run(*, recipients: int, database: str, timeout: float) -> tuple[bool, list[str]]:
    _setup(database)
    from django.conf import settings
    from django.db import connection, transaction
    from django.db.models import Max, Min
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from bandian.notify.models import Message
    from bandian.notify.services import notify_many
    from bench.notify_tasks import ping

    lines = [f"database: {connection.vendor} {connection.settings_dict['NAME']}; {os.cpu_count()} CPUs"]
    people = _recipients(recipients, recipients // 5)
    _clean()
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    with transaction.atomic():
        batch = notify_many(
            recipients=people,
            subject="计划停电通知",
            body="您所在台区 12月8日 08:00–18:00 计划停电检修，请提前做好准备。",
            kind="outage.planned",
            ref=REF,
        )
    queued_s = time.perf_counter() - started
    tasks = DBTaskResult.objects.count()
    sms = Message.objects.filter(ref=REF, channel="sms").count()
    ok = queued_s < TARGET_QUEUE_S
    lines.append(
        f"queue a notice to {recipients:,} customers: {queued_s:.2f} s (target < {TARGET_QUEUE_S:g} s "
        f"{'ok' if ok else 'MISSED'}); {batch.total:,} messages ({sms:,} SMS), {tasks} delivery tasks; "
        f"load average {load_before:.1f}"
    )

    gateway = FakeGateway()
    env = {
        **os.environ,
        "SMS_GATEWAY_URL": gateway.url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_DATABASE_URL": database,
        "TASKS_BACKEND": "database",
    }
    load_start = os.getloadavg()[0]
    connection.close()
    # Once a tenth of the SMS are out, an ordinary task is enqueued: how long it waits shows
    # whether the notice holds up the worker's other work.
    pinged: dict[str, Any] = {}

    def enqueue_ping() -> None:
        deadline = time.monotonic() + timeout
        while gateway.count < sms // 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        pinged["result"] = ping.enqueue()
        pinged["at"] = timezone.now()
        connection.close()

    watcher = threading.Thread(target=enqueue_ping, daemon=True)
    watcher.start()
    worker_started = time.perf_counter()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "django",
            "db_worker",
            "--batch",
            "--no-startup-delay",
            "--no-reload",
            "--interval",
            "0.1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _out, err = worker.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        worker.kill()
        _out, err = worker.communicate()
        lines.append(f"the worker did not finish within {timeout:g} s")
        ok = False
    worker_s = time.perf_counter() - worker_started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    gateway.close()
    done = Message.objects.filter(ref=REF, channel="sms", status="sent")
    span = done.aggregate(first=Min("sent_at"), last=Max("sent_at"))
    sent = done.count()
    seconds = (span["last"] - span["first"]).total_seconds() if sent > 1 else 0.0
    rate = sent / seconds if seconds else 0.0
    delivered_all = sent == sms and gateway.count == sms
    ok &= delivered_all
    lines.append(
        f"deliver with one worker to a fake gateway: {sent:,} of {sms:,} SMS sent ({gateway.count:,} requests "
        f"received), {rate:,.0f} SMS/s from the first send to the last ({seconds:.1f} s); the worker process "
        f"ran {worker_s:.1f} s in all (start-up included); load average {load_start:.1f} at its start, "
        f"{os.getloadavg()[0]:.1f} at its end"
    )
    if sent:
        lines.append(
            f"the worker's CPU: {worker_cpu:.1f} s, {worker_cpu / sent * 1000:.2f} ms per SMS (start-up included): "
            f"{sent / worker_cpu:,.0f} SMS/s on one otherwise idle core"
        )
    if worker.returncode:
        lines.append(f"the worker exited {worker.returncode}: {err[-500:]}")
        ok = False
    watcher.join(timeout=5)
    ran = DBTaskResult.objects.filter(id=pinged["result"].id).first() if "result" in pinged else None
    if ran is not None and ran.finished_at is not None:
        waited = (ran.finished_at - pinged["at"]).total_seconds()
        still = Message.objects.filter(ref=REF, channel="sms", sent_at__gt=ran.finished_at).count()
        lines.append(
            f"an ordinary task enqueued once {sms // 10:,} SMS were out was done {waited:.2f} s later, "
            f"with {still:,} SMS still to send (chunks of {settings.NOTIFY_TASK_CHUNK})"
        )
    else:
        lines.append("the ordinary task enqueued after the notice did not run")
        ok = False
    return ok, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.notify", description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument(
        "--database",
        default=os.environ.get("NOTIFY_BENCH_DATABASE_URL", DEFAULT_DATABASE),
        help="a PostgreSQL URL whose name starts with bandian_bench, or sqlite:///FILE",
    )
    parser.add_argument("--timeout", type=float, default=600, help="seconds the worker may take")
    args = parser.parse_args(argv)
    ok, lines = run(recipients=args.recipients, database=args.database, timeout=args.timeout)
    for line in lines:
        print(line)
    print("all targets met" if ok else "SOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
