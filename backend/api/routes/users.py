from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select

from backend.api.deps import AdminUser, CurrentUser, SessionDep
from backend.auth import hash_api_token, hash_password, new_api_token
from backend.models import ApiToken, User
from backend.schemas import ApiTokenCreate, ApiTokenCreated, ApiTokenOut, UserCreate, UserOut

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me")
def read_me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)


@router.get("")
def list_users(session: SessionDep, _: AdminUser) -> list[UserOut]:
    return [UserOut.model_validate(u) for u in session.scalars(select(User).order_by(User.id))]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, session: SessionDep, _: AdminUser) -> UserOut:
    email = body.email.lower()
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"a user with email {email} exists")
    user = User(email=email, hashed_password=hash_password(body.password), role=body.role)
    session.add(user)
    session.commit()
    return UserOut.model_validate(user)


@router.post("/me/tokens", status_code=status.HTTP_201_CREATED)
def create_token(body: ApiTokenCreate, session: SessionDep, user: CurrentUser) -> ApiTokenCreated:
    token = new_api_token()
    record = ApiToken(user_id=user.id, name=body.name, token_hash=hash_api_token(token))
    session.add(record)
    session.commit()
    return ApiTokenCreated(
        id=record.id,
        name=record.name,
        created_at=record.created_at,
        revoked_at=None,
        token=token,
    )


@router.get("/me/tokens")
def list_tokens(session: SessionDep, user: CurrentUser) -> list[ApiTokenOut]:
    tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id))
    return [ApiTokenOut.model_validate(t) for t in tokens]


@router.delete("/me/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: int, session: SessionDep, user: CurrentUser) -> None:
    record = session.get(ApiToken, token_id)
    if record is None or record.user_id != user.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Token not found")
    record.revoked_at = datetime.now(UTC)
    session.commit()
