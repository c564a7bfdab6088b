import sys

from switchy.cli import main

sys.exit(main())
