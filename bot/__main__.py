"""`python -m bot`: run the Pasokh bot with long polling."""

import sys

try:
    from bot.main import main
except KeyboardInterrupt:  # Ctrl+C while the libraries load: nothing started yet
    sys.exit(0)

sys.exit(main())
