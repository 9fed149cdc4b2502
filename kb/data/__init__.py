"""Small data files written for Pasokh (word lists); loaded with importlib.resources."""
