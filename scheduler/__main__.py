"""`python -m scheduler` is the same as the `scheduler` command."""

from .cli import main

if __name__ == "__main__":  # not when a PDF worker process imports it
    main()
