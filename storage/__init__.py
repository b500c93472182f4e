"""Storage: SQLModel tables, repositories, unit of work, media files and Alembic migrations."""
