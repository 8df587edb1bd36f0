"""A module the grouping programs import: its frames have a module name other than __main__."""


class Stock:
    def __init__(self, counts):
        self.counts = counts

    def reserve(self, sku, quantity):
        left = self.counts[sku] - quantity
        if left < 0:
            raise ValueError(f"only {self.counts[sku]} of {sku} left")
        self.counts[sku] = left
        return left
