"""order status refunded

Revision ID: fbc2d3736308
Revises: 91af39eb5a8e
Create Date: 2024-04-09 08:38:16.245790

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'fbc2d3736308'
down_revision: Union[str, Sequence[str], None] = '91af39eb5a8e'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BACKFILL_SQL = [
    "UPDATE orders SET coupon_code = upper(coupon_code) WHERE coupon_code IS NOT NULL;",
    "UPDATE products SET active = false WHERE stock = 0 AND NOT active;",
]


def upgrade() -> None:
    """Upgrade schema."""
    # ALTER TYPE ... ADD VALUE: outside the transaction, like CONCURRENTLY.
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded'")
    conn = op.get_bind()
    conn.execute(sa.text("\n".join(BACKFILL_SQL)))


def downgrade() -> None:
    """Downgrade schema."""
    # PostgreSQL cannot drop a value from an enum type.
    pass
