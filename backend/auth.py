"""Passwords, JWT access tokens for the UI, and hashed long-lived API tokens for REST clients."""

import hashlib
import secrets
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import jwt
from pwdlib import PasswordHash

from backend.config import Settings

API_TOKEN_PREFIX = "sl_"
JWT_ALGORITHM = "HS256"

_password_hash = PasswordHash.recommended()


def hash_password(password: str) -> str:
    return _password_hash.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    return _password_hash.verify(password, hashed)


def create_access_token(user_id: int, settings: Settings) -> str:
    expires = datetime.now(UTC) + timedelta(minutes=settings.access_token_minutes)
    payload = {"sub": str(user_id), "exp": expires}
    return jwt.encode(payload, settings.secret_key, algorithm=JWT_ALGORITHM)


def decode_access_token(token: str, settings: Settings) -> int | None:
    """The user id, or None for an expired, forged or malformed token."""
    claims = _verified_claims(token, settings.secret_key)
    if claims is None:
        return None
    user_id, expires_at = claims
    return user_id if time.time() < expires_at else None


@lru_cache(maxsize=4096)
def _verified_claims(token: str, secret_key: str) -> tuple[int, float] | None:
    """Checking the signature costs more than the rest of authenticating a request, and a
    client sends the same token with every request: each token is verified once."""
    try:
        payload = jwt.decode(token, secret_key, algorithms=[JWT_ALGORITHM])
        return int(payload["sub"]), float(payload["exp"])
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        return None


def new_api_token() -> str:
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_api_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
