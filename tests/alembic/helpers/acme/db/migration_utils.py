from alembic import op
import sqlalchemy as sa

from ..constants import SCHEMA
from .types import GUID


def id_column(name="id"):
    return sa.Column(name, GUID(32), primary_key=True)


def create_updated_at_trigger(table, schema=SCHEMA):
    op.execute(
        f"CREATE TRIGGER {table}_updated_at BEFORE UPDATE ON {schema}.{table} "
        "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
    )


def drop_updated_at_trigger(table, schema=SCHEMA):
    op.execute(f"DROP TRIGGER IF EXISTS {table}_updated_at ON {schema}.{table}")


def grant_read(table, roles, schema=SCHEMA):
    for role in roles:
        op.execute(f"GRANT SELECT ON {schema}.{table} TO {role}")
