"""Quay-style upgrade(op, tables, tester): op is a parameter

Corpus miss class: op-as-parameter (see ../RESULTS.md). Not wired into CI."""
import sqlalchemy as sa

revision = "c1a55e000001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade(op, tables, tester):
    op.add_column("repository", sa.Column("trust_enabled", sa.Boolean(), nullable=False, server_default=sa.sql.expression.false()))
    tester.populate_column("repository", "trust_enabled", tester.TestDataType.Boolean)
