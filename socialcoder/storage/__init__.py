"""Persistence: SQLAlchemy 2 typed models, engines for SQLite and PostgreSQL, Alembic migrations."""
