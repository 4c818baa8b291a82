"""Server-sent events: round progress pushed to the dashboard as it changes."""

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from backend.api.deps import CurrentUser, SessionDep, get_project_or_404
from backend.api.routes.rounds import round_out
from backend.db import session_scope
from backend.models import Round

router = APIRouter(tags=["rounds"])

POLL_SECONDS = 1.0
KEEPALIVE_SECONDS = 15.0


def _rounds_json(project_id: int) -> str:
    with session_scope() as session:
        rounds = session.scalars(
            select(Round).where(Round.project_id == project_id).order_by(Round.number)
        ).all()
        return json.dumps([r.model_dump(mode="json") for r in round_out(session, list(rounds))])


@router.get(
    "/projects/{project_id}/rounds/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
def round_events(project_id: int, request: Request, session: SessionDep, user: CurrentUser):
    """`event: rounds` with the project's rounds whenever any of them changes."""
    get_project_or_404(session, user, project_id)
    # The request's session would otherwise hold a pooled connection for as long as the
    # stream is open: a few dozen open dashboards would starve every other request.
    session.close()

    async def stream() -> AsyncIterator[str]:
        last, quiet = None, 0.0
        while not await request.is_disconnected():
            payload = await run_in_threadpool(_rounds_json, project_id)
            if payload != last:
                yield f"event: rounds\ndata: {payload}\n\n"
                last, quiet = payload, 0.0
            elif quiet >= KEEPALIVE_SECONDS:
                yield ": keep-alive\n\n"
                quiet = 0.0
            await asyncio.sleep(POLL_SECONDS)
            quiet += POLL_SECONDS

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
