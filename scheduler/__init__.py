"""scheduler: weekly group-session timetables for addiction treatment centers."""

__version__ = "0.1.0"
