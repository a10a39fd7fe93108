"""postgresql_ops keyed by an expression

Corpus miss class: index-ops-on-expression (see ../RESULTS.md). Not wired into CI."""
import sqlalchemy as sa
from alembic import op

revision = "c1a55e000008"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_certificates_cn_lower",
        "certificates",
        [sa.text("lower(cn)")],
        unique=False,
        postgresql_ops={"lower(cn)": "gin_trgm_ops"},
        postgresql_using="gin",
    )
