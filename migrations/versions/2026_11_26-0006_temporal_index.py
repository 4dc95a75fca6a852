"""The temporal index: deployment (start_date, present_until) and (present_until, start_date),
movement (start_date, end_date); on PostgreSQL a GiST index over daterange(start_date,
present_until)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 05:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Each composite index answers everything its single-column one did (it is its prefix).
    op.drop_index("ix_deployment_start_date", table_name="deployment")
    op.drop_index("ix_deployment_present_until", table_name="deployment")
    op.create_index(
        "ix_deployment_start_date_present_until", "deployment", ["start_date", "present_until"]
    )
    op.create_index(
        "ix_deployment_present_until_start_date", "deployment", ["present_until", "start_date"]
    )
    op.drop_index("ix_movement_start_date", table_name="movement")
    op.create_index("ix_movement_start_date_end_date", "movement", ["start_date", "end_date"])
    if op.get_bind().dialect.name == "postgresql":
        # Same expression as app.models.DEPLOYMENT_PERIOD: the planner matches it textually.
        op.create_index(
            "ix_deployment_period",
            "deployment",
            [sa.text("daterange(start_date, present_until)")],
            postgresql_using="gist",
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_deployment_period", table_name="deployment")
    op.drop_index("ix_deployment_present_until_start_date", table_name="deployment")
    op.drop_index("ix_deployment_start_date_present_until", table_name="deployment")
    op.create_index("ix_deployment_present_until", "deployment", ["present_until"])
    op.create_index("ix_deployment_start_date", "deployment", ["start_date"])
    op.drop_index("ix_movement_start_date_end_date", table_name="movement")
    op.create_index("ix_movement_start_date", "movement", ["start_date"])
