"""SQLAlchemy Core DML on sa.table(): update()/insert()/delete() chains

Corpus miss class: core-dml (see ../RESULTS.md). Not wired into CI."""
import sqlalchemy as sa
from alembic import op

revision = "c1a55e000004"
down_revision = None
branch_labels = None
depends_on = None

user_table = sa.table("user", sa.column("id", sa.Integer), sa.column("email", sa.String), sa.column("account_type", sa.String))


def upgrade() -> None:
    op.execute(
        sa.update(user_table)
        .where(user_table.c.email.ilike("%@api.local"), user_table.c.account_type.is_(None))
        .values(account_type="SERVICE_ACCOUNT")
    )
    op.execute(user_table.delete().where(user_table.c.email.is_(None)))
