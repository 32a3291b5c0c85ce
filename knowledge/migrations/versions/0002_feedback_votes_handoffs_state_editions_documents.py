"""Tables added after f1b824c: votes, dismissals, content sync, editions, documents, bot state, handoffs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

Each table is created only if missing: a database made by `create_all` at a commit between f1b824c and this
revision holds some of them already, is stamped 0001 and gets the rest here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Index = tuple[str, list[str], bool]  # name, columns, unique


def _create_missing(name: str, *elements: sa.schema.SchemaItem, indexes: tuple[Index, ...] = ()) -> None:
    if sa.inspect(op.get_bind()).has_table(name):
        return  # created by `create_all` before migrations existed, with these very columns
    op.create_table(name, *elements)
    for index, columns, unique in indexes:
        op.create_index(index, name, columns, unique=unique)


def upgrade() -> None:
    """Create the eight tables added since f1b824c, where they do not exist yet."""
    _create_missing(
        "kb_feedback_votes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sender_id", sa.String(length=100), nullable=False),
        sa.Column("answer_key", sa.String(length=40), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        indexes=(("ix_kb_feedback_votes_sender_answer", ["sender_id", "answer_key"], True),),
    )
    _create_missing(
        "kb_review_dismissals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("group_key", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _create_missing(
        "kb_handoffs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sender_id", sa.String(length=100), nullable=False),
        sa.Column("user_chat_id", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("facilitator_id", sa.Integer(), nullable=True),
        sa.Column("facilitator_name", sa.String(length=200), nullable=True),
        sa.Column("group_message_id", sa.Integer(), nullable=True),
        sa.Column("closed_by", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        indexes=(
            ("ix_kb_handoffs_requested_at", ["requested_at"], False),
            ("ix_kb_handoffs_sender_id", ["sender_id"], False),
            ("ix_kb_handoffs_status", ["status"], False),
            ("ix_kb_handoffs_user_chat_id", ["user_chat_id"], False),
        ),
    )
    _create_missing(
        "kb_handoff_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("group_message_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["handoff_id"], ["kb_handoffs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        indexes=(
            ("ix_kb_handoff_messages_group_message_id", ["group_message_id"], False),
            ("ix_kb_handoff_messages_handoff_id", ["handoff_id"], False),
        ),
    )
    _create_missing(
        "bot_state",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key"),
    )
    _create_missing(
        "kb_content_sync",
        sa.Column("entry_id", sa.String(length=40), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("entry_id"),
    )
    _create_missing(
        "kipp_editions",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("registration_opens", sa.Date(), nullable=True),
        sa.Column("registration_closes", sa.Date(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )
    _create_missing(
        "flow_documents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        indexes=(
            ("ix_flow_documents_created_at", ["created_at"], False),
            ("ix_flow_documents_owner", ["owner"], False),
        ),
    )


def downgrade() -> None:
    """Drop the eight tables (and their rows)."""
    for table in (
        "flow_documents",
        "kipp_editions",
        "kb_content_sync",
        "bot_state",
        "kb_handoff_messages",
        "kb_handoffs",
        "kb_review_dismissals",
        "kb_feedback_votes",
    ):
        op.drop_table(table)
