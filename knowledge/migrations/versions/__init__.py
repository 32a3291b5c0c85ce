"""One Alembic revision per schema change (Alembic reads these files itself; nothing imports them)."""
