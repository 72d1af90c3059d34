"""The ``lakehouse`` command line (click)."""
