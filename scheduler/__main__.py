"""`python -m scheduler` is the same as the `scheduler` command."""

from .cli import main

main()
