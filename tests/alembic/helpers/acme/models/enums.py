import enum


class ProjectStatus(enum.Enum):
    active = "A"
    archived = "X"
