import sys

from labelaudit.cli import main

sys.exit(main())
