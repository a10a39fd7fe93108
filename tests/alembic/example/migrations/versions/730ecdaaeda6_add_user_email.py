"""add user email

Revision ID: 730ecdaaeda6
Revises: 84e3c989d59f
Create Date: 2024-03-25 16:21:38.117480

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '730ecdaaeda6'
down_revision: Union[str, Sequence[str], None] = '84e3c989d59f'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # The risky one: every operation here locks the hot users/orders tables
    # for as long as it scans, rewrites or builds.
    op.add_column('users', sa.Column('email', sa.Text(), nullable=False))
    op.create_index('users_email_idx', 'users', ['email'], unique=True)
    op.alter_column('users', 'name',
               existing_type=sa.Text(),
               type_=sa.String(length=200),
               existing_nullable=False)
    op.create_index('orders_created_at_idx', 'orders', ['created_at'])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('orders_created_at_idx', table_name='orders')
    op.alter_column('users', 'name',
               existing_type=sa.String(length=200),
               type_=sa.Text(),
               existing_nullable=False)
    op.drop_index('users_email_idx', table_name='users')
    op.drop_column('users', 'email')
