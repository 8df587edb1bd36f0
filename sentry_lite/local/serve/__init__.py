# ``sentry-lite serve``: a local Sentry to open in a browser.
#
# It stores what programs send (events, feedback, attachments, logs, check-ins
# and sessions) in SQLite, groups events into issues and shows them in plain
# HTML pages, with standard library modules only. Like the rest of ``local/``
# it never loads in the watched program.
#
#     command.py     the command's options; printing the DSN; serving until Ctrl-C
#     settings.py    ``ServeSettings``: the command's options as one value
#     server.py      ``Inspector``: the HTTP server, ingest, start and stop
#     intake.py      an envelope's items checked (sizes, JSON) and sorted before storing
#     store.py       ``Store``: one writer, pooled readers, save an envelope, delete an issue
#     schema.py      the tables, and connecting (WAL)
#     values.py      received values read defensively (text, timestamps)
#     grouping.py    which issue an event belongs to; its title and culprit
#     retention.py   what is kept (count, age) and pruning the rest
#     queries.py     what the pages read
#     web.py         routes, the Host check, security headers, downloads, the delete form
#     markup.py      HTML where received text can only be text
#     layout.py      the page frame and small shared pieces
#     views_issues.py, views_event.py, views_streams.py   the pages
#     notify.py      ``--on-new-issue``: a command per new issue, off the ingest path
#     forward.py     ``--forward``: every envelope upstream, off the ingest path
#     static/        style.css and app.js, served by the inspector itself
