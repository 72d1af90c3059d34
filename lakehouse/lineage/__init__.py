"""OpenLineage run events for pipeline runs (``openlineage-python`` client)."""
