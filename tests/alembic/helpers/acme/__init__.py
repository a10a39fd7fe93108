"""Stand-in for an application package whose modules migrations import (fixtures 60-61).

locksmith reads these files statically (never imports them): constants, an enum.Enum,
TypeDecorator column types and helper functions that call op.*. reference.py puts
helpers/ on sys.path, as prepend_sys_path does in a real project.
"""

from .constants import NAME_LEN  # noqa: F401

APP_NAME = "acme"
