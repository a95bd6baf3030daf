"""``python -m shopper_propensity.panel``: see shopper_propensity.panel.cli."""

from shopper_propensity.panel.cli import main

main()
