"""The benchmark's table, as text for the terminal and Markdown for docs/benchmarks.md."""

from pathlib import Path

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"

HEADERS = (
    "endpoint",
    "SQL",
    "bytes",
    "p50 ms",
    "p99 ms",
    "req/s 1c",
    "req/s Nc",
    "vs bare",
    "target",
    "result",
)


def _fmt(value, spec: str = "") -> str:
    if value is None:
        return "-"
    return format(value, spec)


def rows(results: dict) -> list[tuple[str, ...]]:
    out = []
    for row in results["endpoints"]:
        target = row["target"]
        target_text = (
            "ceiling"
            if target["p50_ms"] is None
            else f"p50≤{target['p50_ms']:g} p99≤{target['p99_ms']:g} ≥{target['ratio']:.0%}"
        )
        if "latency" not in row:
            out.append(
                (row["label"], *(["-"] * 7), target_text, f"not measured: {row.get('skipped')}")
            )
            continue
        latency, throughput = row["latency"], row["throughput"]
        ratio = row.get("ratio")
        out.append(
            (
                row["label"],
                _fmt(row.get("queries")),
                _fmt(row["bytes"], ","),
                _fmt(latency["p50_ms"], ".1f"),
                _fmt(latency["p99_ms"], ".1f"),
                _fmt(latency["rps"], ",.0f"),
                _fmt(throughput["rps"], ",.0f"),
                _fmt(ratio, ".2f"),
                target_text,
                row.get("verdict", "")
                + ("" if not row.get("misses") else ": " + "; ".join(row["misses"])),
            )
        )
    return out


def text_table(results: dict) -> str:
    table = [HEADERS, *rows(results)]
    widths = [max(len(str(r[i])) for r in table) for i in range(len(HEADERS) - 1)]
    lines = []
    for line in table:
        cells = [str(c).ljust(w) for c, w in zip(line[:-1], widths, strict=True)]
        lines.append("  ".join(cells) + "  " + str(line[-1]))
    lines.insert(1, "-" * min(160, len(lines[0])))
    connections = results["config"]["connections"]
    lines.append(
        f"(Nc = {connections} connections; bare view mean {results['bare_rps']:,.0f} req/s)"
    )
    for job in results["background"]:
        lines.append(
            f"background: {job['label']}: "
            + (
                f"not measured: {job['skipped']}"
                if "skipped" in job
                else f"{job['seconds']:.3f} s, {job['queries']} queries"
                + (f" ({job['detail']})" if job.get("detail") else "")
                + (f" {job['verdict']}" if job.get("verdict") else "")
            )
        )
    return "\n".join(lines)


def _md_cell(value: str) -> str:
    return str(value).replace("|", "\\|")


def markdown_block(results: dict) -> str:
    machine, config = results["machine"], results["config"]
    facts = config["facts"]
    lines = [
        BEGIN,
        "<!-- Written by `make bench` (bench/report.py): edits inside the markers are lost. -->",
        "",
        f"Measured **{results['date']}** by `make bench` in {results['elapsed_seconds']:.0f} s.",
        "",
        f"- Machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['memory_gib']} GiB "
        f"memory, Linux {machine['kernel']}; load average before "
        f"{'/'.join(map(str, machine['loadavg_before']))}, after "
        f"{'/'.join(map(str, machine.get('loadavg_after', [])))}.",
        f"- Versions: Python {machine['python']}, Django {machine['django']}, PostgreSQL "
        f"{machine['postgresql']}, gunicorn {machine['gunicorn']}, psycopg {machine['psycopg']}.",
        f"- Server: {config['server']}, DEBUG off, psycopg pool, cached templates, WhiteNoise "
        f"compressed manifest static files; database `{config['database']}` on 127.0.0.1.",
        f"- Data: `generate_load_data` {config['data']['marker']} (generated "
        f"{config['data']['generated_at'][:10]}); agenda page = meeting {facts['meeting_id']} "
        f"with {facts['meeting_items']} items; my deliverables = bench-developer with "
        f"{facts['developer_deliverables']}; filter = {facts['filter']}.",
        *(
            [
                f"- Static files: `{facts['static']['path']}` answers "
                f"`Cache-Control: {facts['static']['cache_control']}`, "
                f"`Content-Encoding: {facts['static']['content_encoding'] or 'none'}` "
                f"({facts['static']['bytes']:,} bytes)."
            ]
            if facts.get("static")
            else []
        ),
        f"- Load: one keep-alive connection for {config['seconds_per_run']:g} s (latency, "
        f"req/s 1c), then {config['connections']} connections for {config['seconds_per_run']:g}"
        f' s (req/s Nc) from separate driver processes on 127.0.0.1. "vs bare" = req/s Nc '
        f"over the bare view's, measured first and last in the same run (mean "
        f"{results['bare_rps']:,.0f} req/s). SQL = queries per request, counted in-process.",
        "",
        "| " + " | ".join(HEADERS).replace("Nc", f"{config['connections']}c") + " |",
        "|" + "|".join(["---"] + ["--:"] * 7 + ["---", "---"]) + "|",
    ]
    for row in rows(results):
        lines.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
    bare_runs = results["endpoints"][0].get("bare_runs") or []
    if len(bare_runs) == 2:
        first, last = (run["throughput"]["rps"] for run in bare_runs)
        lines += [
            "",
            f"Bare view at {config['connections']}c: {first:,.0f} req/s first, "
            f"{last:,.0f} req/s last.",
        ]
    lines += ["", "Background work at scale (in-process, inside a rolled-back transaction):", ""]
    lines += ["| job | seconds | SQL | target | result |", "|---|--:|--:|---|---|"]
    for job in results["background"]:
        if "skipped" in job:
            lines.append(
                f"| {job['label']} | - | - | {job.get('target', '')} | not measured: "
                f"{_md_cell(job['skipped'])} |"
            )
        else:
            detail = f" ({job['detail']})" if job.get("detail") else ""
            lines.append(
                f"| {job['label']}{_md_cell(detail)} | {job['seconds']:.3f} | {job['queries']} | "
                f"{job.get('target', '')} | {job.get('verdict', '')} |"
            )
    lines += ["", END]
    return "\n".join(lines)


TEMPLATE = """# Benchmarks

`make bench` (`python -m bench`, see `bench/run.py`) serves the app the way production does
and measures every page listed in issue 7 against a bare Django view through the same
middleware stack. The section between the markers below is rewritten by every run; the raw
numbers are in `bench/results/latest.json`, the query plans of the slowest queries in
`bench/results/explain.md`; hot spots and indexes are discussed in `docs/performance.md`.

{block}

## Reading the numbers
"""


def write_markdown(results: dict, path: Path) -> None:
    block = markdown_block(results)
    if path.exists():
        text = path.read_text()
        if BEGIN in text and END in text:
            head, _, rest = text.partition(BEGIN)
            _, _, tail = rest.partition(END)
            path.write_text(head + block + tail)
            return
    path.write_text(TEMPLATE.format(block=block))


def write_explain(results: dict, path: Path) -> None:
    lines = [
        "# EXPLAIN ANALYZE of the slowest queries per endpoint",
        "",
        f"Generated by `make bench` on {results['date']}; each request's three slowest SELECTs.",
        "",
    ]
    for row in results["endpoints"]:
        for plan in row.get("explain", []):
            lines += [
                f"## {row['label']} — {plan['ms']} ms in-process",
                "",
                "```sql",
                plan["sql"],
                "```",
                "",
                "```",
                plan["plan"],
                "```",
                "",
            ]
    path.write_text("\n".join(lines))
