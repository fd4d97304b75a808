import torch


def score(weight, hinv_diag):
    return weight ** 2 / (hinv_diag.unsqueeze(0) + 1e-12)


def update(weight, mask, hessian, *, block=128):
    # Zero the pruned weights column by column, left to right; each one's error is spread over the
    # columns not yet visited through the upper Cholesky factor u of the inverse of `hessian`, so the
    # layer's outputs on the calibration inputs move as little as possible. Columns are handled in
    # blocks: within a block at once, on the later columns in one matrix product per block.
    w = weight.clone()
    u = torch.linalg.cholesky(torch.cholesky_inverse(torch.linalg.cholesky(hessian)), upper=True)
    n = w.shape[1]
    for a in range(0, n, block):
        b = min(a + block, n)
        wb = w[:, a:b].clone()
        err = torch.zeros_like(wb)
        ub = u[a:b, a:b]
        for i in range(b - a):
            col = wb[:, i]
            kept = col * mask[:, a + i]
            e = (col - kept) / ub[i, i]
            wb[:, i:] -= e.unsqueeze(1) * ub[i, i:].unsqueeze(0)
            wb[:, i] = kept
            err[:, i] = e
        w[:, a:b] = wb
        w[:, b:] -= err @ u[a:b, b:]
    return w
