# prunegen candidate: machine-written, not reviewed by a person.
# idea: k-means-clustering (K-means clustering pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template user, sha256 325185071cef3444f0a073fc647b69ebc3fda4da6b90f9674d7f6c2284c76868
# date: 2026-12-02T18:59:18Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    if not layers:
        raise ValueError("layers must be provided")

    # Convert the calib tensor to a numpy array
    calib_array = calib.numpy()

    # Calculate the mean of the weights across all layers
    mean_weights = calib_array.mean(axis=1)

    # Initialize the k-means algorithm
    kmeans = KMeans(n_clusters=len(layers), random_state=42)

    # Fit the model to the data
    kmeans.fit(calib_array)

    # Get the clusters and their corresponding weights
    clusters = kmeans.labels_
    weights = calib_array[clusters]

    # Calculate the absolute values of each layer's weights
    abs_weights = weights.abs()

    # Determine which layers to prune based on the requested sparsity
    if pattern == "unstructured":
        mask = abs_weights <= 0.5
    else:
        n, m = (int(x) for x in pattern.split(":"))
        groups = abs_weights.reshape(weights.shape[0], -1, m)              # [out, in/m, m]
        idx = torch.topk(groups, n, dim=-1, largest=False).indices
        mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)

    # Keep only the layers that best represent each cluster
    pruned_layers = [layers[layer] for layer in range(len(layers)) if mask[layer]]

    return None
