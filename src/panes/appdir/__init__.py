"""The user's project on disk: the app directory scanned into the core's tree, its files
imported and their functions checked (``loader``, ``specials``), ``public/``, and everything
``panes check`` reports. Imports the core only."""
