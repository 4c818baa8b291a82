from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import select

from backend.api.deps import SessionDep, SettingsDep
from backend.api.ratelimit import login_limiter
from backend.auth import create_access_token, verify_password
from backend.models import User
from backend.schemas import Token

router = APIRouter(tags=["auth"])


@router.post(
    "/login/access-token",
    responses={429: {"description": "Too many failed logins; see the Retry-After header"}},
)
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> Token:
    """OAuth2 password flow for the UI; REST clients may use long-lived API tokens instead.
    Failed attempts per client address and email are limited (`SEGLOOP_LOGIN_ATTEMPTS` per
    `SEGLOOP_LOGIN_WINDOW_SECONDS`): more get 429 with Retry-After."""
    email = form.username.lower()
    limiter = login_limiter(settings)
    key = f"{request.client.host if request.client else '-'}|{email}"
    wait = limiter.retry_after(key)
    if wait:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"Too many failed logins for {email}: try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    user = session.scalar(select(User).where(User.email == email))
    if (
        user is None
        or not user.is_active
        or not verify_password(form.password, user.hashed_password)
    ):
        limiter.failed(key)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Incorrect email or password")
    limiter.reset(key)
    return Token(access_token=create_access_token(user.id, settings))
