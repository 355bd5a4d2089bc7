"""send budgets replicas share on PostgreSQL

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "send_budgets",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("bucket", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("reply", sa.Integer(), nullable=False),
        sa.Column("bulk", sa.Integer(), nullable=False),
        sa.Column("reply_wanted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key", "bucket", name=op.f("pk_send_budgets")),
    )


def downgrade() -> None:
    op.drop_table("send_budgets")
