"""The knowledge-base schema as it was before migrations (commit f1b824c): entries, history, logs, feedback.

Revision ID: 0001
Revises:
Create Date: 2026-11-30

Databases created by `create_all` at that commit are stamped with this revision instead of running it
(see `knowledge.migrations.runner`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the eight tables of commit f1b824c.

    Each table is written as that commit's knowledge/models.py declared it, key and indexes on their columns
    (`primary_key=True`, `index=True`: indexes named ix_<table>_<column>), so the two read side by side.
    """
    op.create_table(
        "kb_entries",
        sa.Column("id", sa.String(length=40), primary_key=True),
        sa.Column("topic", sa.String(length=20), nullable=False, index=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answer_en", sa.Text(), nullable=True),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False, index=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "kb_entry_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["kb_entries.id"], ondelete="CASCADE"),
        sa.Index("ix_kb_entry_versions_entry_version", "entry_id", "version", unique=True),
    )
    op.create_table(
        "kb_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("entry_id", sa.String(length=40), nullable=True, index=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
    )
    op.create_table(
        "kb_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "question_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("sender_id", sa.String(length=100), nullable=False, index=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("normalized", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(length=60), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False, index=True),
        sa.Column("entry_id", sa.String(length=40), nullable=True),
        sa.Column("entry_version", sa.Integer(), nullable=True),
        sa.Column("topic", sa.String(length=20), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
    )
    op.create_table(
        "kb_feedback",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("sender_id", sa.String(length=100), nullable=False, index=True),
        sa.Column("entry_id", sa.String(length=40), nullable=False, index=True),
        sa.Column("entry_version", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
    )
    op.create_table(
        "kb_unanswered_resolutions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("group_key", sa.Text(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("entry_id", sa.String(length=40), nullable=True),
    )
    op.create_table(
        "kb_maintenance",
        sa.Column("name", sa.String(length=40), primary_key=True),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    """Drop every table (and with them every row: only for a database being thrown away)."""
    for table in (
        "kb_maintenance",
        "kb_unanswered_resolutions",
        "kb_feedback",
        "question_log",
        "kb_state",
        "kb_audit",
        "kb_entry_versions",
        "kb_entries",
    ):
        op.drop_table(table)
