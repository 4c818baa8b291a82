"""Request dependencies: database session, current user, and per-project access."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Annotated, TypeVar

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from backend.auth import API_TOKEN_PREFIX, decode_access_token, hash_api_token
from backend.config import Settings, get_settings
from backend.db import get_sessionmaker
from backend.models import ApiToken, Project, Role, User
from backend.services.access import VisibleQuery
from backend.storage import Storage, get_storage

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/login/access-token")


# Dependencies that do no I/O are `async def`: FastAPI runs every plain `def` dependency in
# the thread pool, and each such hop is a context switch on every request.


async def get_db() -> AsyncIterator[Session]:
    """A session per request. Creating one does no I/O, nor does closing one whose work was
    committed; closing an open transaction rolls back over the network, in the thread pool."""
    session = get_sessionmaker()()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


async def request_settings() -> Settings:
    return get_settings()


SessionDep = Annotated[Session, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(request_settings)]


async def get_request_storage(settings: SettingsDep) -> Storage:
    return get_storage(settings)


StorageDep = Annotated[Storage, Depends(get_request_storage)]

_UNAUTHORISED = HTTPException(
    status_code=status.HTTP_401_UNAUTHORIZED,
    detail="Could not validate credentials",
    headers={"WWW-Authenticate": "Bearer"},
)


TokenDep = Annotated[str, Depends(oauth2_scheme)]


def authenticate(session: Session, settings: Settings, token: str) -> User:
    """The active user a bearer token (JWT or API token) stands for, else 401."""
    if token.startswith(API_TOKEN_PREFIX):
        api_token = session.scalar(
            select(ApiToken).where(ApiToken.token_hash == hash_api_token(token))
        )
        if api_token is None or api_token.revoked_at is not None:
            raise _UNAUTHORISED
        user: User | None = api_token.user
    else:
        user_id = decode_access_token(token, settings)
        user = session.scalar(_USER, {"user_id": user_id}) if user_id is not None else None
    if user is None or not user.is_active:
        raise _UNAUTHORISED
    return user


def get_current_user(session: SessionDep, settings: SettingsDep, token: TokenDep) -> User:
    return authenticate(session, settings, token)


CurrentUser = Annotated[User, Depends(get_current_user)]


T = TypeVar("T")


async def in_one_thread(work: Callable[[Session, User], T], settings: Settings, token: str) -> T:
    """Authenticate and do an endpoint's work on one session in one trip to the thread pool.

    A plain `def` endpoint costs three trips (the user dependency, the endpoint, validating its
    response), each a hand-over between threads; the annotation endpoints, the busiest, make
    one."""

    def authenticated_work() -> T:
        with get_sessionmaker()() as session:
            return work(session, authenticate(session, settings, token))

    return await run_in_threadpool(authenticated_work)


async def get_admin(user: CurrentUser) -> User:
    if user.role != Role.admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "This needs the admin role")
    return user


AdminUser = Annotated[User, Depends(get_admin)]


_USER = select(User).where(User.id == bindparam("user_id"))
_PROJECT = VisibleQuery(select(Project).where(Project.id == bindparam("project_id")), Project.id)


def get_project_or_404(session: Session, user: User, project_id: int) -> Project:
    """Projects a user is not a member of are reported missing, not forbidden: no probing.
    One query: the check is on every annotation request."""
    project = _PROJECT.execute(session, user, project_id=project_id).scalar()
    if project is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Project not found")
    return project


def now() -> datetime:
    return datetime.now(UTC)
