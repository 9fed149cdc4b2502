"""`python -m bot`: run the Pasokh bot with long polling."""

import sys

from bot.main import main

sys.exit(main())
