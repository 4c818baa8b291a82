from fastapi import APIRouter, Response, status

from backend.api.deps import SessionDep
from backend.schemas import Health
from backend.services.queue import broker_ok, database_ok

router = APIRouter(tags=["health"])


@router.get("/health")
def health(session: SessionDep, response: Response) -> Health:
    result = Health(
        database="ok" if database_ok(session) else "unavailable",
        broker="ok" if broker_ok() else "unavailable",
    )
    if "unavailable" in (result.database, result.broker):
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return result
