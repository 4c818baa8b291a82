from fastapi import APIRouter

from backend.api.routes import (
    datasets,
    events,
    exports,
    health,
    login,
    projects,
    rounds,
    tasks,
    users,
)

api_router = APIRouter()
for module in (health, login, users, projects, datasets, exports, events, rounds, tasks):
    api_router.include_router(module.router)
