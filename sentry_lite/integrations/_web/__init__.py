# What the web integrations share: request data and the per-request processor.
#
# ``request_data.py`` turns headers, cookies and bodies into the event's
# ``request`` interface (sensitive headers masked, bodies within
# ``max_request_body_size``); ``processor.py`` owns the event processor each
# request's isolation scope gets, and reporting a request's error once.
# The WSGI and ASGI middleware (``wsgi.py``, ``asgi.py``) and the framework
# integrations (``flask.py``, ``starlette.py``, ``fastapi.py``) build on them.
