from weave_widgets.cli import main

raise SystemExit(main())
