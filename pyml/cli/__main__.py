import sys

from pyml.cli import main

sys.exit(main())
