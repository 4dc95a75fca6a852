"""citation.stance, source.original/archive_url/description, deployment.took_over_from

Existing citations are read as supporting their record, which is what they meant before stance
existed; the data pass sets the right stance for each.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("citation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stance", sa.String(length=12), nullable=False, server_default="supports")
        )
        batch_op.create_check_constraint(
            "stance_value", "stance IN ('supports', 'disputes', 'context')"
        )
    # The default served only to fill existing rows; new rows name their stance.
    with op.batch_alter_table("citation", schema=None) as batch_op:
        batch_op.alter_column("stance", server_default=None)

    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("archive_url", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("original_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_source_original_id"), ["original_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_source_original_id_source"),
            "source",
            ["original_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("deployment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("took_over_from_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_deployment_took_over_from_id_actor"),
            "actor",
            ["took_over_from_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("deployment", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_deployment_took_over_from_id_actor"), type_="foreignkey"
        )
        batch_op.drop_column("took_over_from_id")
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_source_original_id_source"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_source_original_id"))
        batch_op.drop_column("description")
        batch_op.drop_column("original_id")
        batch_op.drop_column("archive_url")
    with op.batch_alter_table("citation", schema=None) as batch_op:
        batch_op.drop_constraint("stance_value", type_="check")
        batch_op.drop_column("stance")
