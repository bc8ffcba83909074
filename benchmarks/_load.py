"""Bounded HTTP load from a thread pool against a local server; figures as a dict."""

import json
import statistics
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def request(url, *, method="GET", token=None, payload=None):
    data = json.dumps(payload).encode() if payload is not None else None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, data=data, method=method, headers=headers), timeout=60
        ) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    return status, time.perf_counter() - started


def run(calls, threads=8):
    """`calls`: list of zero-argument callables returning (status, seconds)."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(lambda call: call(), calls))
    elapsed = time.perf_counter() - started
    latencies = sorted(seconds for _, seconds in results)
    statuses = {}
    for status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "requests": len(results),
        "per_second": len(results) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "statuses": statuses,
    }


def show(label, figures):
    print(
        f"   {label:<42} {figures['per_second']:8.1f} req/s   p50 {figures['p50_ms']:7.1f} ms   "
        f"p99 {figures['p99_ms']:7.1f} ms   {figures['requests']} requests {figures['statuses']}",
        flush=True,
    )
