"""Long generated names: SQLAlchemy truncates to 63 chars with an md5 suffix

Corpus miss class: long-name-truncation (see ../RESULTS.md). Not wired into CI."""
import sqlalchemy as sa
from alembic import op

revision = "c1a55e000006"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oauth2_authorization_code_organizations",
        sa.Column("oauth2_authorization_code_id", sa.Uuid(), nullable=False),
        sa.Column("privacy_experience_config_identifier", sa.String(), nullable=False, index=True),
        sa.ForeignKeyConstraint(["oauth2_authorization_code_id"], ["oauth2_authorization_codes.id"], ondelete="cascade",
                                name=op.f("oauth2_authorization_code_organizations_oauth2_authorization_code_id_fkey")),
        sa.PrimaryKeyConstraint("oauth2_authorization_code_id"),
    )
