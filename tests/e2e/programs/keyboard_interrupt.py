"""Ctrl-C during a long job: KeyboardInterrupt nobody catches ends the program."""

import sentry_sdk


def long_job():
    raise KeyboardInterrupt  # as Python raises it on SIGINT


sentry_sdk.init(release="shop@1.0", environment="differential")
long_job()
