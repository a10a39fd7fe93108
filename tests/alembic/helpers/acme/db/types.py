import uuid

import sqlalchemy as sa
from sqlalchemy.types import CHAR, TypeDecorator


class GUID(TypeDecorator):
    """A UUID stored as CHAR(32) hex."""

    impl = CHAR
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else uuid.UUID(str(value)).hex

    def process_result_value(self, value, dialect):
        return None if value is None else uuid.UUID(value)


class Slug(TypeDecorator):
    impl = sa.String(64)
    cache_ok = True
