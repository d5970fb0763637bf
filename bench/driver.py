"""A small HTTP/1.1 load driver: keep-alive connections, closed loop, latencies per request.

Pure standard library and free of Django, so it runs in spawned worker processes (one per
connection, so the driver's own GIL never limits the server it measures). Each connection
sends its next request as soon as the previous response has been read in full.

A scenario is a list of `Request`s cycled in order. Values captured from a response by a
regular expression (a form's version field, say) are substituted into the next request's path
and body as `{name}`, so stateful round trips (optimistic-concurrency edits) stay valid.
"""

import concurrent.futures
import dataclasses
import http.client
import math
import re
import time
from collections import Counter
from collections.abc import Sequence


@dataclasses.dataclass(frozen=True)
class Request:
    path: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    expect: tuple[int, ...] = (200,)


@dataclasses.dataclass(frozen=True)
class Scenario:
    requests: tuple[Request, ...]
    # name -> regex with one group, searched in each response body (bytes).
    captures: tuple[tuple[str, bytes], ...] = ()
    initial: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, request: Request | str) -> "Scenario":
        return cls((Request(request) if isinstance(request, str) else request,))


@dataclasses.dataclass
class Result:
    connections: int
    seconds: float
    latencies_ms: list[float]
    errors: int = 0
    statuses: dict[int, int] = dataclasses.field(default_factory=dict)
    response_bytes: int = 0
    first_error: str = ""

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile in milliseconds (q in 0..100)."""
        if not self.latencies_ms:
            return math.nan
        ordered = sorted(self.latencies_ms)
        rank = max(1, math.ceil(q / 100 * len(ordered)))
        return ordered[rank - 1]

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p99(self) -> float:
        return self.percentile(99)

    def summary(self) -> dict:
        return {
            "connections": self.connections,
            "seconds": round(self.seconds, 3),
            "requests": self.requests,
            "rps": round(self.rps, 1),
            "p50_ms": round(self.p50, 2),
            "p90_ms": round(self.percentile(90), 2),
            "p99_ms": round(self.p99, 2),
            "max_ms": round(max(self.latencies_ms), 2) if self.latencies_ms else None,
            "errors": self.errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "response_bytes": self.response_bytes,
            "first_error": self.first_error,
        }

    @classmethod
    def merge(cls, parts: Sequence["Result"], seconds: float) -> "Result":
        statuses: Counter = Counter()
        for part in parts:
            statuses.update(part.statuses)
        errors = [p.first_error for p in parts if p.first_error]
        return cls(
            connections=len(parts),
            seconds=seconds,
            latencies_ms=[ms for part in parts for ms in part.latencies_ms],
            errors=sum(p.errors for p in parts),
            statuses=dict(statuses),
            response_bytes=max((p.response_bytes for p in parts), default=0),
            first_error=errors[0] if errors else "",
        )


def _connect(host: str, port: int) -> http.client.HTTPConnection:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.connect()
    return conn


def run_connection(
    host: str,
    port: int,
    scenario: Scenario,
    *,
    start_at: float,
    seconds: float,
    max_requests: int | None = None,
) -> Result:
    """One keep-alive connection in a closed loop from wall-clock `start_at` for `seconds`."""
    values = dict(scenario.initial)
    patterns = [(name, re.compile(rx)) for name, rx in scenario.captures]
    result = Result(connections=1, seconds=seconds, latencies_ms=[])
    statuses: Counter = Counter()
    conn = _connect(host, port)
    delay = start_at - time.time()
    if delay > 0:
        time.sleep(delay)
    end = time.perf_counter() + seconds
    index = 0
    while time.perf_counter() < end and (max_requests is None or index < max_requests):
        request = scenario.requests[index % len(scenario.requests)]
        index += 1
        path, body = request.path, request.body
        if values:
            path = path.format(**values)
            body = body.decode().format(**values).encode() if body else body
        headers = dict(request.headers)
        if body:
            headers["Content-Length"] = str(len(body))
        began = time.perf_counter()
        try:
            conn.request(request.method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            result.errors += 1
            result.first_error = result.first_error or f"{type(exc).__name__}: {exc}"
            conn.close()
            conn = _connect(host, port)
            continue
        elapsed = (time.perf_counter() - began) * 1000
        result.latencies_ms.append(elapsed)
        statuses[response.status] += 1
        result.response_bytes = len(data)
        if response.status not in request.expect:
            result.errors += 1
            if not result.first_error:
                result.first_error = f"{request.method} {path} -> {response.status}: {data[:200]!r}"
        for name, pattern in patterns:
            match = pattern.search(data)
            if match:
                values[name] = match.group(1).decode()
        if response.will_close:
            conn.close()
            conn = _connect(host, port)
    conn.close()
    result.statuses = dict(statuses)
    return result


def _noop(seconds: float) -> int:
    time.sleep(seconds)
    return 0


class Driver:
    """Runs scenarios against host:port with up to `max_connections` worker processes.

    With `processes=False` connections are threads in this process: enough for a smoke test,
    but at several connections the driver's GIL would then cap what it can measure.
    """

    def __init__(self, host: str, port: int, *, max_connections: int, processes: bool = True):
        self.host, self.port = host, port
        self.max_connections = max_connections
        self.pool: concurrent.futures.Executor
        if processes:
            import multiprocessing

            self.pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=max_connections, mp_context=multiprocessing.get_context("spawn")
            )
            # Start every worker now, so spawning is never inside a measurement.
            list(self.pool.map(_noop, [0.3] * max_connections))
        else:
            self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=max_connections)

    def run(
        self,
        scenario: Scenario | Sequence[Scenario],
        *,
        connections: int = 1,
        seconds: float = 3.0,
        max_requests: int | None = None,
    ) -> Result:
        if connections > self.max_connections:
            raise ValueError(f"at most {self.max_connections} connections")
        # One scenario for all connections, or one per connection (cycled).
        scenarios = [scenario] if isinstance(scenario, Scenario) else list(scenario)
        start_at = time.time() + 0.2
        futures = [
            self.pool.submit(
                run_connection,
                self.host,
                self.port,
                scenarios[index % len(scenarios)],
                start_at=start_at,
                seconds=seconds,
                max_requests=max_requests,
            )
            for index in range(connections)
        ]
        parts = [future.result() for future in futures]
        measured = seconds
        if max_requests is not None:
            # A request-bounded run may end early: rate over the time actually spent.
            measured = min(seconds, max(sum(p.latencies_ms) / 1000 for p in parts))
        return Result.merge(parts, measured)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "Driver":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def run_once(host: str, port: int, request: Request) -> tuple[int, list[tuple[str, str]], bytes]:
    """One request on a fresh connection: (status, headers as (lower-case name, value), body)."""
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        headers = dict(request.headers)
        if request.body:
            headers["Content-Length"] = str(len(request.body))
        conn.request(request.method, request.path, body=request.body or None, headers=headers)
        response = conn.getresponse()
        return response.status, [(k.lower(), v) for k, v in response.getheaders()], response.read()
    finally:
        conn.close()
