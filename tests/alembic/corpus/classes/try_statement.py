"""try/except around operations

Corpus miss class: try-statement (see ../RESULTS.md). Not wired into CI."""
import sqlalchemy as sa
from alembic import op

revision = "c1a55e000009"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    try:
        op.create_index("ix_spans_user_id", "spans", ["user_id"])
    finally:
        pass
