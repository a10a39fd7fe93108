"""Stand-in for an application package that migrations import helpers from.

Fixture 48_unrenderable_imported_helper.py does
``from acme_migration_utils import ...``, the way real projects import from
their own code (``from myapp.db.utils import ...``). reference.py puts this
directory on sys.path, as ``prepend_sys_path`` in alembic.ini does for a real
project, so the real Alembic can render the fixture; locksmith, which never
executes Python, reads this file statically (helpers/ is its module root in the
fidelity test) and renders the calls the same.
"""

from alembic import op


def create_audit_trigger(table_name: str, schema: str = "public") -> None:
    op.execute(
        f"CREATE TRIGGER trg_{table_name}_audit AFTER INSERT OR UPDATE OR DELETE "
        f"ON {schema}.{table_name} FOR EACH ROW EXECUTE FUNCTION audit.log_change()"
    )


def drop_audit_trigger(table_name: str, schema: str = "public") -> None:
    op.execute(f"DROP TRIGGER IF EXISTS trg_{table_name}_audit ON {schema}.{table_name}")
