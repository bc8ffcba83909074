"""SQLite whose writers wait their turn in the kernel (see base.py); Django loads `base`."""
