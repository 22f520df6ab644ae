"""Timing helpers: alternate a product and its baseline, take medians; drive HTTP."""

import http.client
import json
import statistics
import threading
import time
from dataclasses import dataclass

CLIENTS = 4


@dataclass
class Row:
    """One line of the table: a product figure against its baseline and target."""

    scenario: str
    unit: str
    product: float
    baseline: float | None = None
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def alternate(product, baseline, rounds: int) -> tuple[float, float, float]:
    """Run product and baseline in turn `rounds` times; return medians and ratio.

    Each callable returns a rate (higher is better); the ratio is the median of
    the per-round ratios, so a slow moment of the shared machine hits both.
    """
    products, baselines, ratios = [], [], []
    for _ in range(rounds):
        p = product()
        b = baseline()
        products.append(p)
        baselines.append(b)
        ratios.append(p / b if b else 0.0)
    return (
        statistics.median(products),
        statistics.median(baselines),
        statistics.median(ratios),
    )


class Client:
    """A keep-alive HTTP client of the bench's gunicorn, authenticated by token."""

    def __init__(self, port: int, token: str | None):
        self.port = port
        self.token = token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, method: str, path: str, body=None) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        payload = None if body is None else json.dumps(body)
        self.conn.request(method, path, body=payload, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.conn.close()


def drive(port, token, method, path, make_body, count) -> float:
    """Send `count` requests from CLIENTS threads; return requests per second."""
    per_client = max(1, count // CLIENTS)
    errors = []

    def run():
        client = Client(port, token)
        for _ in range(per_client):
            status, body = client.call(method, path, make_body())
            if status >= 300:
                errors.append((status, body[:200]))
        client.close()

    threads = [threading.Thread(target=run) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{path}: {len(errors)} failed requests, e.g. {errors[0]}")
    return per_client * CLIENTS / elapsed


def latencies_ms(call, samples: int, before=None) -> list[float]:
    """Time `call` `samples` times (after `before` each time, untimed), in ms."""
    timings = []
    for _ in range(samples):
        if before:
            before()
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings
