"""``python -m service.cli``: the ``clausier`` command without its console script."""

from service.cli import main

main()
