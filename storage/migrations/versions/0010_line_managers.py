"""line managers as people: how people are named, and managers named in words

Adds what colleagues may call a person (full name, @handle, email) and their directory id
(Teams' people picker answers with it), and `enrolments.manager_named`.

The sign-up field "Your line manager" used to be free text, stored in `manager_user_id`
and compared with user ids, so a manager typed as `@display.name` or by name never counted.
Every stored answer that is not the user id of a person in the same workspace moves to
`manager_named`; matching resolves it to a person when it can and tells the admins when not.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

NAMES = (("real_name", 200), ("handle", 200), ("email", 254), ("directory_id", 64))


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        for name, length in NAMES:
            batch_op.add_column(
                sa.Column(name, sa.String(length=length), nullable=False, server_default="")
            )
        batch_op.create_index("ix_people_workspace_email", ["workspace_id", "email"])
        batch_op.create_index("ix_people_workspace_directory_id", ["workspace_id", "directory_id"])
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("manager_named", sa.String(length=200), nullable=False, server_default="")
        )
    # Both assignments read the row as it was: the text moves, the id column empties.
    op.execute(
        sa.text(
            "UPDATE enrolments SET manager_named = manager_user_id, manager_user_id = '' "
            "WHERE manager_user_id != '' AND NOT EXISTS ("
            "SELECT 1 FROM people WHERE people.workspace_id = enrolments.workspace_id "
            "AND people.platform_user_id = enrolments.manager_user_id)"
        )
    )


def downgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE enrolments SET manager_user_id = substr(manager_named, 1, 128) "
            "WHERE manager_user_id = '' AND manager_named != ''"
        )
    )
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_column("manager_named")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index("ix_people_workspace_directory_id")
        batch_op.drop_index("ix_people_workspace_email")
        for name, _ in reversed(NAMES):
            batch_op.drop_column(name)
