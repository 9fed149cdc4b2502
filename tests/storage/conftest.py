from tests.storage.fixtures import (  # noqa: F401  (fixtures are found by name)
    db_url,
    empty_db_url,
    engine,
    more_sessions,
    pg_migrated_url,
    sessions,
    sqlite_template,
)
