"""The Telegram adapter of Pasokh: the only package that imports `telegram`."""
