"""What a campaign exposure can turn out as, and which campaigns train or test the models."""

from __future__ import annotations

ENGAGED, UNENGAGED, INACTIVE = "engaged", "unengaged", "inactive"
CLASSES = (ENGAGED, UNENGAGED, INACTIVE)

TRAIN, TEST = "train", "test"


class CampaignInputError(ValueError):
    """The data cannot train a campaign model (e.g. a class is missing); raised readably."""
