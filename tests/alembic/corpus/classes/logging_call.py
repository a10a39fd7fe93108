"""Logging in upgrade() with non-literal arguments (no SQL effect)

Corpus miss class: logging-call (see ../RESULTS.md). Not wired into CI."""
import sqlalchemy as sa
from alembic import op

revision = "c1a55e000005"
down_revision = None
branch_labels = None
depends_on = None

import logging
from datetime import datetime

logger = logging.getLogger(__name__)


def upgrade() -> None:
    logger.info(f"Starting migration {datetime.now()}")
    op.add_column("privacyexperience", sa.Column("region", sa.String(), nullable=True))
