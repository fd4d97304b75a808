# prunegen candidate: machine-written, not reviewed by a person.
# idea: elastic-weight-consolidation (Elastic weight consolidation pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template repair (round 1), sha256 cc72e521a44d934b64800dfca154c61a883d52fb2868da1dd1d77251b7d2d378
# date: 2026-12-03T00:19:12Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch

def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    # Step 1: Calculate the Fisher information of log-likelihood on calibration data
    num_samples = calib.shape[0]
    n_features = calib.shape[2] if model.config.hidden_size % 8 == 0 else model.config.hidden_size * 8
    batch_size = calib.shape[3]

    logits = calib.to(device)
    weights = torch.sigmoid(model.weight.data)         # [out_features, in_features]

    # Step 2: Calculate the diagonal of the Fisher information
    diag_info = torch.zeros((num_samples, n_features))
    for i in range(num_samples):
        for j in range(n_features):
            for k in range(batch_size):
                w_i_jk = weights[i * n_features + j * batch_size + k]
                logits_i_k = logits[i, k]
                diag_info[i, j] += torch.log(w_i_jk) ** 2

    # Step 3: Calculate the squared weight
    squared_weights = weights.square()

    # Step 4: Calculate the score of each weight based on Fisher information and squared weight
    scores = diag_info * squared_weights

    # Step 5: Identify the weights with the lowest score
    best_indices = torch.argsort(scores)

    # Step 6: Prune the weights that are least sparse
    for idx in best_indices[:int(sparsity * num_samples / 100)]:
        mask = torch.zeros_like(weights, dtype=torch.bool).scatter_(-1, idx, True)
        w = weights[mask]
        if sparsity > 0.1 and scores[idx] < 0.001:
            prune(model, sparsity=sparsity - 0.001, calib=calib, pattern="N:M", device=device, layers=None)

# Example usage
model = LlamaForCausalLM()
sparsity = 0.75
calib = torch.randn(32, 4096)
prune(model, sparsity, calib, pattern="N:M")
