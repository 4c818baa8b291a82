from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from backend.models import Base


def test_migrations_build_exactly_the_models_schema(api):
    """A model change without its migration would break every existing deployment."""
    from backend.config import get_settings

    engine = create_engine(get_settings().database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []
