"""prunegen: sandbox."""
