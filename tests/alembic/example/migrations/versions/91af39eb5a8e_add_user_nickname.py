"""add user nickname

Revision ID: 91af39eb5a8e
Revises: 730ecdaaeda6
Create Date: 2024-04-02 11:05:49.663207

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '91af39eb5a8e'
down_revision: Union[str, Sequence[str], None] = '730ecdaaeda6'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # The safe way to do the same kind of change.
    op.execute("SET lock_timeout = '2s'")
    op.add_column('users', sa.Column('nickname', sa.Text(), nullable=True))
    op.add_column('orders', sa.Column('coupon_code', sa.String(length=32), nullable=True))
    op.create_check_constraint(
        'orders_total_positive', 'orders', 'total >= 0', postgresql_not_valid=True
    )
    op.execute('ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive')
    # CREATE INDEX CONCURRENTLY must run outside the migration transaction.
    with op.get_context().autocommit_block():
        op.create_index(
            'users_nickname_idx',
            'users',
            ['nickname'],
            unique=False,
            postgresql_concurrently=True,
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.get_context().autocommit_block():
        op.drop_index('users_nickname_idx', table_name='users', postgresql_concurrently=True)
    op.drop_constraint('orders_total_positive', 'orders', type_='check')
    op.drop_column('orders', 'coupon_code')
    op.drop_column('users', 'nickname')
