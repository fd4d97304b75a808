"""prunegen: reference_pruners."""
