"""Apply: make a host match its plan (files, live values), and prove it. Host side."""
