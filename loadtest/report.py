"""The checks (every acknowledged change is in the database) and docs/loadtest.md."""

import datetime
import os
import platform
import statistics

from loadtest.records import Acks, Stats
from loadtest.world import ROOT

REPORT = ROOT / "docs" / "loadtest.md"


def lost_updates(acks: Acks) -> list[str]:
    from adcmeet.meetings.models import AgendaItem
    from deliverables.models import Deliverable

    lost = []
    live = set(AgendaItem.objects.live().values_list("title", flat=True))
    lost += [f"added item {t!r} is missing" for t in acks.added_titles if t not in live]
    titles = dict(AgendaItem.objects.filter(pk__in=acks.renamed).values_list("pk", "title"))
    for pk, title in acks.renamed.items():
        if titles.get(pk) != title:
            lost.append(f"item {pk}: {titles.get(pk)!r}, acknowledged {title!r}")
    statuses = dict(Deliverable.objects.filter(pk__in=acks.status).values_list("pk", "status"))
    for pk, status in acks.status.items():
        if statuses.get(pk) != status:
            lost.append(f"deliverable {pk}: {statuses.get(pk)!r}, acknowledged {status!r}")
    return lost


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summarise(stats: Stats, acks: Acks, lost: list[str], elapsed: float, args, plan) -> dict:
    rows = []
    for kind in sorted(stats.latency):
        times = stats.latency[kind]
        rows.append(
            {
                "kind": kind,
                "count": len(times),
                "statuses": dict(sorted(stats.status[kind].items())),
                "p50_ms": round(statistics.median(times) * 1000, 1),
                "p95_ms": round(percentile(times, 0.95) * 1000, 1),
                "max_ms": round(max(times) * 1000, 1),
            }
        )
    total = sum(r["count"] for r in rows)
    five_xx = sum(n for r in rows for s, n in r["statuses"].items() if s >= 500)
    return {
        "when": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "users": {"conveners": len(plan.conveners), "developers": len(plan.developers),
                  "pollers": len(plan.pollers)},
        "duration_s": round(elapsed, 1),
        "requests": total,
        "rps": round(total / elapsed, 1),
        "five_xx": five_xx,
        "transport_errors": sum(r["statuses"].get(0, 0) for r in rows),
        "errors": stats.errors[:20],
        "acknowledged": {"items added": len(acks.added_titles), "items renamed":
                         len(acks.renamed), "statuses set": len(acks.status)},
        "lost": lost,
        "rows": rows,
        "server": f"gunicorn gthread, {args.workers} workers x {args.threads} threads",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs (shared), Python "
                   f"{platform.python_version()}",
    }  # fmt: skip


def write_report(result: dict) -> None:
    ok = not result["five_xx"] and not result["transport_errors"] and not result["lost"]
    lines = [
        "# Load test",
        "",
        "`make loadtest` (`python -m loadtest`): concurrent users on loopback against gunicorn "
        "and PostgreSQL, in production settings (DEBUG off, the psycopg pool, a dedicated "
        "database created for the run). The bar: zero 5xx and zero lost updates — every "
        "change the server acknowledged (2xx/3xx) is in the database afterwards. A refused "
        "change (409 stale version, 422) is not an acknowledgement; the user re-reads and "
        "tries again, as the pages do.",
        "",
        "Who does what:",
        "",
        "- **Conveners** open a meeting's agenda builder and either add a hot-topic item to one "
        "of five shared meetings or rename their own item (htmx requests, with the agenda "
        "version read from the page, so concurrent conveners collide on purpose: 409s).",
        "- **Developers** open their deliverables and set one of their two deliverables' "
        "status (with its version).",
        "- **Feed pollers** fetch the series feed and their personal feed, revalidating with "
        "`If-None-Match` most of the time, and read a public page now and then.",
        "- Think time 0.3 to 1.5 s between steps; sessions are created directly (logging in 50 "
        "people would only measure password hashing); mail goes to the outbox with the broker "
        "unreachable (enqueueing fails fast; the rows wait for the sweep).",
        "",
        f"## Latest run: {result['when']} — {'PASS' if ok else 'FAIL'}",
        "",
        f"- Users: {result['users']['conveners']} conveners, {result['users']['developers']} "
        f"developers, {result['users']['pollers']} feed pollers, for {result['duration_s']} s.",
        f"- Server: {result['server']}; {result['machine']}.",
        f"- Requests: {result['requests']} ({result['rps']} per second).",
        f"- 5xx responses: **{result['five_xx']}**; transport errors: "
        f"**{result['transport_errors']}**.",
        f"- Acknowledged changes: {result['acknowledged']['items added']} agenda items added, "
        f"{result['acknowledged']['items renamed']} items with a last acknowledged rename, "
        f"{result['acknowledged']['statuses set']} deliverables with a last acknowledged status."
        f" Lost: **{len(result['lost'])}**.",
        "",
        "| Request | Count | Statuses | p50 ms | p95 ms | max ms |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for row in result["rows"]:
        statuses = ", ".join(f"{s}: {n}" for s, n in row["statuses"].items())
        lines.append(
            f"| {row['kind']} | {row['count']} | {statuses} | {row['p50_ms']} | "
            f"{row['p95_ms']} | {row['max_ms']} |"
        )
    if result["errors"] or result["lost"]:
        lines += ["", "Problems:", ""]
        lines += [f"- {e}" for e in result["errors"] + result["lost"][:20]]
    lines += [
        "",
        "Latencies are on a 2-core machine shared with other work at the time of the run; "
        "read them as a sanity check, not a benchmark (docs/benchmarks.md has those). The "
        "pass/fail bar does not depend on them.",
        "",
    ]
    REPORT.write_text("\n".join(lines))
