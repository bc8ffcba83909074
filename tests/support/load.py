"""A steady, bounded load of searches, holds and cancels from a few threads, recording every
answer, for the resilience and soak checks (correctness, not speed: wrk measures speed)."""

import random
import threading
import time
from dataclasses import dataclass

import httpx


@dataclass
class Answer:
    kind: str
    started: float
    ended: float
    status: int  # 0: no answer at all (connection refused, reset, timeout)


class SteadyLoad:
    """`threads` clients looping over 70 % searches, 20 % one-seat holds, 10 % cancels."""

    def __init__(self, base_url, *, trips, tokens, stations, threads=6, pause=0.01):
        self.base_url = base_url
        self.trips = trips
        self.tokens = tokens
        self.stations = stations
        self.threads = threads
        self.pause = pause
        self.answers = []
        self.held = []  # (token, reservation id) acknowledged with 201
        self.cancelled = []  # reservation ids acknowledged with 200
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._workers = []

    def _one(self, http, rng):
        roll = rng.random()
        headers = {}
        if roll < 0.7:
            kind = "search"
            origin, destination = rng.sample(self.stations, 2)
            request = ("GET", f"/api/v1/trips?origin={origin}&destination={destination}", None)
        elif roll < 0.9 or not self.held:
            kind = "hold"
            token = rng.choice(self.tokens)
            headers["Authorization"] = f"Bearer {token}"
            payload = {"trip_id": rng.choice(self.trips), "seats": 1}
            request = ("POST", "/api/v1/reservations", payload)
        else:
            kind = "cancel"
            with self._lock:
                token, reservation = self.held.pop(rng.randrange(len(self.held)))
            headers["Authorization"] = f"Bearer {token}"
            request = ("POST", f"/api/v1/reservations/{reservation}/cancel", None)
        started = time.monotonic()
        try:
            method, path, payload = request
            response = http.request(method, path, json=payload, headers=headers)
            status = response.status_code
        except httpx.HTTPError:
            status, response = 0, None
        ended = time.monotonic()
        with self._lock:
            self.answers.append(Answer(kind, started, ended, status))
            if kind == "hold" and status == 201:
                self.held.append((token, response.json()["id"]))
            if kind == "cancel" and status == 200:
                self.cancelled.append(reservation)
            elif kind == "cancel" and status != 200:
                self.held.append((token, reservation))  # still held as far as we know

    def _run(self, seed):
        rng = random.Random(seed)
        with httpx.Client(base_url=self.base_url, timeout=40) as http:
            while not self._stop.is_set():
                self._one(http, rng)
                time.sleep(self.pause)

    def start(self):
        for index in range(self.threads):
            thread = threading.Thread(target=self._run, args=(index,), daemon=True)
            thread.start()
            self._workers.append(thread)
        return self

    def stop(self):
        self._stop.set()
        for thread in self._workers:
            thread.join(timeout=60)

    def between(self, start, end):
        """Answers to requests that started in [start, end)."""
        with self._lock:
            return [a for a in self.answers if start <= a.started < end]

    @staticmethod
    def failed(answers, *, allowed=()):
        """Server errors and missing answers, except the statuses in `allowed`."""
        return [
            a for a in answers if (a.status >= 500 or a.status == 0) and a.status not in allowed
        ]
