"""The core: the app directory as a route tree, a URL (and the browser's navigation state)
matched and resolved to what every slot shows, the wire protocol, metadata. Pure functions of
values: no I/O, no user code, no request. Everything else in panes is a layer around it."""
