from fastapi import APIRouter

from backend.api.routes import (
    audit,
    datasets,
    exports,
    health,
    ledger,
    login,
    projects,
    rounds,
    tasks,
    users,
)

api_router = APIRouter()
# Requests are matched against routes in order and no two paths overlap: the annotation
# routes, which take most of the traffic, come first.
for module in (tasks, health, login, users, projects, datasets, exports, rounds, audit, ledger):
    api_router.include_router(module.router)
