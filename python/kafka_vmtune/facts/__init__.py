"""Facts read on a broker host: standard library only, Python 3.8+."""
