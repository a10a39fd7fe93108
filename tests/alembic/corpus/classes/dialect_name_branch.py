"""Branch on the dialect name (offline: always postgresql)

Corpus miss class: dialect-name-branch (see ../RESULTS.md). Not wired into CI."""
import sqlalchemy as sa
from alembic import op

revision = "c1a55e000003"
down_revision = None
branch_labels = None
depends_on = None


def is_sqlite() -> bool:
    return op.get_context().dialect.name == "sqlite"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    if not is_sqlite():
        op.create_index("ix_alert_fingerprint", "alert", ["fingerprint"])
