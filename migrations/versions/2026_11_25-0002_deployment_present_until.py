"""deployment.present_until: a coarse end counts to the end of its period

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.dates import present_until

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deployment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("present_until", sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_deployment_present_until"), ["present_until"])

    deployment = sa.table(
        "deployment",
        sa.column("id", sa.Integer),
        sa.column("end_date", sa.Date),
        sa.column("end_precision", sa.String),
        sa.column("present_until", sa.Date),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(deployment.c.id, deployment.c.end_date, deployment.c.end_precision)
    ).all()
    for row in rows:
        connection.execute(
            deployment.update()
            .where(deployment.c.id == row.id)
            .values(present_until=present_until(row.end_date, row.end_precision))
        )


def downgrade() -> None:
    with op.batch_alter_table("deployment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deployment_present_until"))
        batch_op.drop_column("present_until")
