# What runs on the developer's machine, not in the watched program.
#
# The ``sentry-lite`` command and the tools behind it: a local Sentry-compatible
# receiver that records what it gets, a demo program that fails on purpose, and
# readable text for the events it shows. This package never loads in the
# watched program: the SDK core (everything outside ``local/`` and
# ``integrations/``) never imports it, at module level or inside a function.
# Only the command line, the test suite and the benchmarks do.
#
#     cli.py                 ``sentry-lite`` argument parsing and dispatch (entry point ``main``)
#     demo.py                ``sentry-lite demo``: the failing shop program and its driver
#     receive.py             ``sentry-lite receive``: print each event a local receiver gets
#     receiver.py            ``Receiver``: the recording Sentry-compatible server
#     ingest.py              one ingest request: body, encoding, auth, envelope, JSON answer
#     scripted_responses.py  how the receiver answers: scripted, chosen, delayed, hung, reset
#     pretty.py              ``render_event`` / ``render_summary``: events as readable text
#     pretty_traceback.py    exception chains, thread stacks and frames, traceback style
#     pretty_scope.py        tags, user, breadcrumbs, extra and contexts as labelled sections
#     pretty_text.py         values, timestamps and lines as short, terminal-safe text
