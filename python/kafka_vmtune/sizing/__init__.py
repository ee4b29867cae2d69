"""Sizing: how many map areas and open files a broker needs (pure functions)."""
