"""Fake data for the dashboard example (a real app would query a database)."""

TEAM = [
    {"name": "Ada Lovelace", "role": "Engineering lead", "online": True},
    {"name": "Grace Hopper", "role": "Platform", "online": True},
    {"name": "Alan Turing", "role": "Research", "online": False},
    {"name": "Katherine Johnson", "role": "Data", "online": True},
    {"name": "Linus Torvalds", "role": "Infrastructure", "online": False},
]

PROJECTS = {
    "alpha": {"name": "Alpha", "status": "On track", "tone": "green", "progress": 72,
              "owner": "Ada Lovelace", "summary": "New onboarding flow for self-serve customers."},
    "beta": {"name": "Beta", "status": "At risk", "tone": "amber", "progress": 41,
             "owner": "Grace Hopper", "summary": "Migrate the billing service to the new platform."},
    "gamma": {"name": "Gamma", "status": "Done", "tone": "blue", "progress": 100,
              "owner": "Katherine Johnson", "summary": "Quarterly usage report, now fully automated."},
}

# Docs pages, keyed by their path below /docs.
DOCS = {
    "getting-started": "Everything you need to run your first panes app.",
    "getting-started/install": "Run `pip install panes`, then `panes dev` inside your project.",
    "getting-started/project-structure": "Folders are URL segments; @folders are named slots.",
    "guides": "Task-oriented guides for common patterns.",
    "guides/parallel-routes": "Render several pages at once into the named slots of a layout.",
}

TOP_PAGES = [("/", 5210), ("/pricing", 3120), ("/docs/getting-started", 2480),
             ("/blog/parallel-routes", 1290), ("/changelog", 640)]

WEEK = [("Mon", 1420), ("Tue", 1810), ("Wed", 1650), ("Thu", 2230),
        ("Fri", 2010), ("Sat", 980), ("Sun", 1130)]
