"""A background thread dies; scope data set before it started goes with it."""

import threading

import sentry_sdk


def average(values):
    return sum(values) / len(values)


def nightly_report():
    todays_orders = []
    print(average(todays_orders))


sentry_sdk.init(release="shop@1.0", environment="differential")
sentry_sdk.set_tag("job", "nightly-report")
worker = threading.Thread(target=nightly_report, name="nightly-report")
worker.start()
worker.join()
sentry_sdk.flush()
