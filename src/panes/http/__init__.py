"""The ASGI application and what serves a request: the App (request → resolve → render →
answer), actions, route handlers, middleware, lifespan, public files, compression, limits, the
connection, ``panes dev``'s live reload. The layer a server talks to."""
