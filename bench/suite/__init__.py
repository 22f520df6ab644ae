"""The benchmark suite run by `python -m bench`: data, scenarios, the table."""
