"""Errors raised from each kind of code Sentry's grouping names: one captured event per case.

Functions, methods (instance, class, static, nested class), closures, lambdas,
comprehensions, generators, a chain with a cause and one with a context, an
imported module's function and its failing top level, this module's top level,
and a thread that dies in a method.
"""

import threading

import inventory
import sentry_sdk


class Shop:
    discount = 0

    def pay(self, amount):
        def inner():
            return amount / self.discount

        return inner()

    @classmethod
    def open_on(cls, day):
        return {"mon": 9}[day]

    @staticmethod
    def parse(text):
        return int(text)

    class Till:
        def count(self, coins):
            return sum(coins) / len(coins)


def parse_quantity(raw):
    return int(raw.strip())


def make_counter(limit):
    count = 0

    def step():
        nonlocal count
        count += 1
        if count > limit:
            raise OverflowError(f"past {limit}")

    return step


def apply(func, *args):
    return func(*args)


def shares(amounts):
    return [100 // amount for amount in amounts]


def total_share(amounts):
    return sum(100 / amount for amount in amounts)


def by_sku(rows):
    return {row["sku"]: row["qty"] for row in rows}


def batches(items):
    for item in items:
        yield item["id"]


def load_config(config):
    try:
        return config["url"]
    except KeyError as missing:
        raise LookupError("the payment url is not configured") from missing


def close_order(order):
    try:
        return order["total"] / order["items"]
    except ZeroDivisionError:
        return order["fallback"]


def report(case, func):
    sentry_sdk.set_tag("case", case)
    try:
        func()
    except Exception:
        sentry_sdk.capture_exception()


class Auditor(threading.Thread):
    def run(self):
        self.check([])

    def check(self, entries):
        return entries[0]


sentry_sdk.init(release="shop@1.0", environment="differential")
report("function", lambda: parse_quantity(" twelve "))
report("instance method with a closure", lambda: Shop().pay(10))
report("classmethod", lambda: Shop.open_on("sun"))
report("staticmethod", lambda: Shop.parse("x"))
report("nested class", lambda: Shop.Till().count([]))
report("closure", make_counter(0))
report("lambda", lambda: apply(lambda quantity: 1 / quantity, 0))
report("list comprehension", lambda: shares([4, 0]))
report("generator expression", lambda: total_share([4, 0]))
report("dict comprehension", lambda: by_sku([{"sku": "gadget"}]))
report("generator", lambda: list(batches([{"id": 1}, {}])))
report("raise from", lambda: load_config({}))
report("implicit context", lambda: close_order({"total": 3, "items": 0}))
report("imported module", lambda: inventory.Stock({"gadget": 1}).reserve("gadget", 2))
report("imported module's top level", lambda: __import__("broken_catalog"))
sentry_sdk.set_tag("case", "this module's top level")
try:
    PRICE = {"widget": 250}["gadget"]
except KeyError:
    sentry_sdk.capture_exception()
sentry_sdk.set_tag("case", "a thread dies in a method")
auditor = Auditor(name="auditor")
auditor.start()
auditor.join()
sentry_sdk.flush()
