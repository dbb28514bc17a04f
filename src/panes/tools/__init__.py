"""What runs around an app: the ``panes`` command, the production server it starts, the route
table it prints, and the test client for users' own suites."""
