"""Who may see which project's rows, as SQL."""

from sqlalchemy import Result, Select, SQLColumnExpression, Update, bindparam, exists
from sqlalchemy.orm import Session

from backend.models import ProjectMember, Role, User


class VisibleQuery:
    """A statement on one project's rows, built once in two forms: as an admin sees it (every
    project) and as an annotator does (projects they are a member of).

    The annotation endpoints run a few such queries per request; building and hashing a
    statement costs more than PostgreSQL takes to answer it, so those are built at import."""

    def __init__(self, statement: Select | Update, project_id: SQLColumnExpression[int]) -> None:
        self.for_admin = statement
        self.is_update = isinstance(statement, Update)
        self.for_member = statement.where(
            exists().where(
                ProjectMember.project_id == project_id,
                ProjectMember.user_id == bindparam("member_id"),
            )
        )

    def execute(self, session: Session, user: User, **params: object) -> Result:
        """A select runs through the ORM, which builds its entities; an update, returning
        plain columns, runs as SQL on the session's connection, without the ORM's
        bookkeeping for bulk updates (about a tenth of "next task"'s time)."""
        run = session.connection().execute if self.is_update else session.execute
        if user.role == Role.admin:
            return run(self.for_admin, params)
        return run(self.for_member, {**params, "member_id": user.id})
