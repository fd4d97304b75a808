"""The measurement core: models, data, perplexity, sparsity, masks, the pruner interface and its validation, fingerprints, numbers and metrics."""
