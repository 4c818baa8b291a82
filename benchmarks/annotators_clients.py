"""The simulated people: each an HTTP client of their own (one keep-alive connection, like a
browser tab) that leases, looks and submits, and a Recorder of every request they make."""

import asyncio
import json
import random
import time
import uuid
from dataclasses import dataclass, field

import aiohttp
from annotators_seed import CLASSES
from tqdm import tqdm

ENDPOINTS = ("login", "next_task", "mask", "submit")


def _per_endpoint() -> dict[str, list[float]]:
    return {e: [] for e in ENDPOINTS}


@dataclass
class Reply:
    """A response read in full inside the timed request: its body counts in the latency."""

    status: int
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Recorder:
    """Latency as the clients see it, and as the server reports it (Server-Timing)."""

    latencies: dict[str, list[float]] = field(default_factory=_per_endpoint)
    server: dict[str, list[float]] = field(default_factory=_per_endpoint)
    errors: dict[str, dict[str, int]] = field(default_factory=lambda: {e: {} for e in ENDPOINTS})

    async def call(
        self, endpoint: str, client: aiohttp.ClientSession, method: str, url: str, **kwargs
    ) -> Reply | None:
        """Time one request, body included; a non-2xx answer or a transport error counts
        as an error."""
        start = time.perf_counter()
        try:
            async with client.request(method, url, **kwargs) as response:
                reply = Reply(response.status, await response.read())
                timing = response.headers.get("server-timing", "")
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.error(endpoint, type(exc).__name__)
            return None
        self.latencies[endpoint].append((time.perf_counter() - start) * 1000)
        if timing.startswith("app;dur="):
            self.server[endpoint].append(float(timing.removeprefix("app;dur=")))
        if reply.status >= 300:
            self.error(endpoint, str(reply.status))
        return reply

    def error(self, endpoint: str, kind: str) -> None:
        self.errors[endpoint][kind] = self.errors[endpoint].get(kind, 0) + 1


@dataclass
class Annotator:
    """One person's browser tab: one keep-alive connection, and their token once logged in."""

    email: str
    client: aiohttp.ClientSession
    headers: dict[str, str] = field(default_factory=dict)


async def log_in(annotator: Annotator, password: str, rec: Recorder) -> bool:
    form = {"username": annotator.email, "password": password}
    login = await rec.call(
        "login", annotator.client, "POST", "/api/v1/login/access-token", data=form
    )
    if login is None or login.status != 200:
        return False
    annotator.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
    return True


async def annotate(
    annotator: Annotator,
    project_id: int,
    tasks: int,
    think: float,
    ramp_up: float,
    recorder: Recorder,
    progress: tqdm,
) -> int:
    """One person: arrive within the ramp-up, then lease, look, label, submit, `tasks` times.
    Returns their submissions."""
    rng = random.Random(annotator.email)
    client, headers = annotator.client, annotator.headers
    await asyncio.sleep(rng.uniform(0, ramp_up))
    submitted = 0
    for _ in range(tasks):
        leased = await recorder.call(
            "next_task",
            client,
            "POST",
            f"/api/v1/projects/{project_id}/tasks/next",
            headers=headers,
        )
        if leased is None or leased.status != 200:
            if leased is not None and leased.status == 204:
                # There is a task for everyone: "none waiting" is a wrong answer here.
                recorder.error("next_task", "204 while tasks remain")
            break
        task = leased.json()
        await recorder.call("mask", client, "GET", task["mask_url"], headers=headers)
        await asyncio.sleep(think * rng.uniform(0.5, 1.5))
        body = {
            "labels": [{**p, "class_id": rng.randrange(len(CLASSES))} for p in task["points"]],
            "client_key": uuid.uuid4().hex,
            "seconds_spent": think,
            "expected_version": task["version"],
        }
        done = await recorder.call(
            "submit",
            client,
            "POST",
            f"/api/v1/tasks/{task['id']}/submit",
            headers=headers,
            json=body,
        )
        if done is not None and done.status == 200:
            submitted += 1
            progress.update()
    return submitted
