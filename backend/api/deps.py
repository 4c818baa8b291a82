"""Request dependencies: database session, current user, and per-project access."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import ColumnElement, Result, Select, bindparam, exists, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from backend.auth import API_TOKEN_PREFIX, decode_access_token, hash_api_token
from backend.config import Settings, get_settings
from backend.db import get_sessionmaker
from backend.models import ApiToken, Project, ProjectMember, Role, User
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


def get_current_user(
    session: SessionDep, settings: SettingsDep, token: Annotated[str, Depends(oauth2_scheme)]
) -> User:
    if token.startswith(API_TOKEN_PREFIX):
        api_token = session.scalar(
            select(ApiToken).where(ApiToken.token_hash == hash_api_token(token))
        )
        if api_token is None or api_token.revoked_at is not None:
            raise _UNAUTHORISED
        user = api_token.user
    else:
        user_id = decode_access_token(token, settings)
        user = session.scalar(_USER, {"user_id": user_id}) if user_id is not None else None
    if user is None or not user.is_active:
        raise _UNAUTHORISED
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_admin(user: CurrentUser) -> User:
    if user.role != Role.admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "This needs the admin role")
    return user


AdminUser = Annotated[User, Depends(get_admin)]


class VisibleQuery:
    """A query of one project's rows, built once in two forms: as an admin sees it (every
    project) and as an annotator does (projects they are a member of).

    The annotation endpoints run a few such queries per request; building and hashing a
    statement costs more than PostgreSQL takes to answer it, so those are built at import."""

    def __init__(self, statement: Select, project_id: ColumnElement[int]) -> None:
        self.for_admin = statement
        self.for_member = statement.where(
            exists().where(
                ProjectMember.project_id == project_id,
                ProjectMember.user_id == bindparam("member_id"),
            )
        )

    def execute(self, session: Session, user: User, **params: object) -> Result:
        if user.role == Role.admin:
            return session.execute(self.for_admin, params)
        return session.execute(self.for_member, {**params, "member_id": user.id})


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
