"""Accounts created by commands rather than by an admin in the UI (demo, oracle, benchmarks)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth import hash_password
from backend.models import Role, User


def ensure_user(session: Session, email: str, password: str, role: Role) -> User:
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, hashed_password=hash_password(password), role=role)
        session.add(user)
        session.commit()
    return user
