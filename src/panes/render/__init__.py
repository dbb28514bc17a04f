"""A resolution rendered to HTML: the user's functions called with their arguments, layouts
around their slots, boundaries, cached regions, the head, streamed fills. Imports the core, the
cache and the app directory; knows nothing of ASGI beyond the request it is given."""
