"""Module-level type with with_variant()

Corpus miss class: type-with-variant (see ../RESULTS.md). Not wired into CI."""
import sqlalchemy as sa
from alembic import op

revision = "c1a55e000002"
down_revision = None
branch_labels = None
depends_on = None

_Integer = sa.Integer().with_variant(sa.BigInteger(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", _Integer, primary_key=True),
        sa.Column("org_id", _Integer, sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False),
    )
    with op.batch_alter_table("datasets") as batch_op:
        batch_op.add_column(sa.Column("user_id", _Integer, sa.ForeignKey("users.id", ondelete="SET NULL")))
