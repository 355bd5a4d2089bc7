"""outbox: index deliveries by announcement, for delivery reports

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-23
"""

from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_deliveries_announcement", "deliveries", ["announcement_id"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_announcement", table_name="deliveries")
