from tsnplan.cli import main

raise SystemExit(main())
