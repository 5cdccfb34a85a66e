"""``python -m novacron_chain.cli``."""

from . import main

main()
