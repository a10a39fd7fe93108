"""add product stock

Revision ID: 84e3c989d59f
Revises: a2d4fa92c492
Create Date: 2024-03-18 09:47:10.902114

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '84e3c989d59f'
down_revision: Union[str, Sequence[str], None] = 'a2d4fa92c492'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.execute("SET lock_timeout = '2s'")
    # A constant default: PostgreSQL 11+ adds this without rewriting products.
    op.add_column('products', sa.Column('stock', sa.Integer(), server_default='0', nullable=False))
    op.add_column('products', sa.Column('description', sa.Text(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column('products', 'description')
    op.drop_column('products', 'stock')
