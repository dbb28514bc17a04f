from panes.tools.cli import main

raise SystemExit(main())
