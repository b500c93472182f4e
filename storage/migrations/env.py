"""Alembic environment: runs migrations on the engine handed over by storage.migrate."""

from alembic import context
from sqlmodel import SQLModel

import storage.activity_models
import storage.briefing_models
import storage.case_models
import storage.models
import storage.notice_models
import storage.survey_models
import storage.wecom_bot_lease
import storage.work_calendar  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
