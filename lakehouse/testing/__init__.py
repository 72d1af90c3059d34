"""Fixtures and helpers users can reuse in their own pipeline tests."""
