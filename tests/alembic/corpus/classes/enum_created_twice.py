"""Same-named sa.Enum in two create_table calls: CREATE TYPE only once

Corpus miss class: enum-created-twice (see ../RESULTS.md). Not wired into CI."""
import sqlalchemy as sa
from alembic import op

revision = "c1a55e000007"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacynotice",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("consent_mechanism", sa.Enum("opt_in", "opt_out", name="consentmechanism"), nullable=False),
    )
    op.create_table(
        "privacynoticehistory",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("consent_mechanism", sa.Enum("opt_in", "opt_out", name="consentmechanism"), nullable=False),
    )
