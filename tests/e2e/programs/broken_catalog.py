"""A module whose top level fails when it is imported."""

CATALOG = {"widget": 250}
DEFAULT_PRICE = CATALOG["gadget"]
