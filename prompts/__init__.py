"""prunegen: prompts."""
