"""Measuring one endpoint (queries, latency at one connection, throughput at several), the
verdict against its target, and the machine it ran on."""

import argparse
import dataclasses
import os
import platform
from pathlib import Path

from bench.common import log
from bench.driver import Driver
from bench.endpoints import Endpoint, Target, scenarios_for
from bench.queries import count_queries, explain


def verdict(row: dict, target: Target) -> tuple[str, list[str]]:
    if target.p50_ms is None:
        return "-", []
    misses = []
    latency, ratio = row["latency"], row.get("ratio")
    if row["errors"]:
        misses.append(f"{row['errors']} errors")
    if latency["p50_ms"] > target.p50_ms:
        misses.append(f"p50 {latency['p50_ms']:.1f} ms > {target.p50_ms:g}")
    if latency["p99_ms"] > target.p99_ms:
        misses.append(f"p99 {latency['p99_ms']:.1f} ms > {target.p99_ms:g}")
    if ratio is not None and ratio < target.ratio:
        misses.append(f"{ratio:.0%} of bare < {target.ratio:.0%}")
    return ("MISS" if misses else "PASS"), misses


def measure(
    endpoint: Endpoint,
    driver: Driver,
    sessions: dict,
    users: dict,
    args: argparse.Namespace,
) -> dict:
    row: dict = {
        "key": endpoint.key,
        "label": endpoint.label,
        "method": endpoint.method,
        "path": endpoint.path,
        "target": dataclasses.asdict(endpoint.target),
        "note": endpoint.note,
    }
    if endpoint.prepare and not endpoint.skip:
        endpoint.prepare(endpoint)
    if endpoint.skip:
        row["skipped"] = endpoint.skip
        log(f"{endpoint.key}: not measured ({endpoint.skip})")
        return row
    try:
        counted = count_queries(endpoint, users)
    except Exception as exc:
        counted = {"queries": None, "status": None, "bytes": None, "captured": []}
        row["query_error"] = f"{type(exc).__name__}: {exc}"
    row["queries"] = counted["queries"]
    if endpoint.cleanup:
        endpoint.cleanup()
    try:
        scenarios = scenarios_for(endpoint, sessions)
    except RuntimeError as exc:
        row["skipped"] = str(exc)
        return row
    probe = driver.run(scenarios[:1], connections=1, seconds=10, max_requests=1)
    if probe.errors:
        row["skipped"] = probe.first_error[:300]
        log(f"{endpoint.key}: not measured ({row['skipped']})")
        if endpoint.cleanup:
            endpoint.cleanup()
        return row
    if args.explain and counted["captured"]:
        row["explain"] = explain(counted["captured"])
    # Warm every worker thread's templates and pool connections before timing.
    driver.run(scenarios, connections=args.connections, seconds=0.5, max_requests=25)
    if endpoint.cleanup:
        endpoint.cleanup()
    scenarios = scenarios_for(endpoint, sessions)
    latency = driver.run(
        scenarios[:1], connections=1, seconds=args.seconds, max_requests=endpoint.max_requests
    )
    if endpoint.cleanup:
        endpoint.cleanup()
    scenarios = scenarios_for(endpoint, sessions)
    throughput = driver.run(
        scenarios,
        connections=args.connections,
        seconds=args.seconds,
        max_requests=endpoint.max_requests,
    )
    if endpoint.cleanup:
        endpoint.cleanup()
    row["bytes"] = latency.response_bytes
    row["latency"] = latency.summary()
    row["throughput"] = throughput.summary()
    row["errors"] = latency.errors + throughput.errors
    row["first_error"] = latency.first_error or throughput.first_error
    log(
        f"{endpoint.key}: {latency.rps:.0f} req/s at 1 conn (p50 {latency.p50:.1f} ms, "
        f"p99 {latency.p99:.1f} ms), {throughput.rps:.0f} req/s at {args.connections}, "
        f"{row['queries']} queries, {row['bytes']} B"
        + (f", {row['errors']} errors: {row['first_error']}" if row["errors"] else "")
    )
    return row


def machine_info() -> dict:
    import django
    import gunicorn
    import psycopg
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    cpu = "unknown"
    memory = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "memory_gib": memory,
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg,
        "gunicorn": gunicorn.__version__,
        "psycopg": psycopg.__version__,
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }
