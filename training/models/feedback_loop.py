"""C-RNN-GAN's autoregressive generator loop, as TorchScript functions.

Why TorchScript: traced for ONNX export, a Python `for t in range(T)` would be unrolled to the
example's length; a scripted function keeps the loop, which exports as an ONNX `Loop` with a dynamic
trip count. Why functions taking weight tensors rather than a scripted module: the TorchScript ONNX
exporter cannot trace through a scripted *submodule* of a plain module ("not part of the active
trace"), while scripted functions are inlined fine, so any wrapper around the generator stays exportable.

Layer 0's input projection of the noise and side inputs is done for all steps at once before the loop
(`x_proj`), leaving only the feedback and recurrent matmuls inside it. Deeper layers' weights are
stacked `[L-1, ...]` tensors (a list of differently shaped tensors mis-exports inside a `Loop`).
"""

from __future__ import annotations

import torch
from chronogan.training.models.heads import block_activation


@torch.jit.script
def lstm_feedback_loop(
    x_proj: torch.Tensor,
    w_prev: torch.Tensor,
    w_hh0: torch.Tensor,
    b_hh0: torch.Tensor,
    w_ih: torch.Tensor,
    w_hh: torch.Tensor,
    b_ih: torch.Tensor,
    b_hh: torch.Tensor,
    w_out: torch.Tensor,
    b_out: torch.Tensor,
    is_cat: torch.Tensor,
    cat_index: torch.Tensor,
    flat_index: torch.Tensor,
    has_cat: bool,
) -> torch.Tensor:
    """`x_proj [B, T, 4H]` (layer-0 input projection incl. its bias) -> outputs `[B, T, F]`; each step's
    output (after the head) is fed back into layer 0 at the next step."""
    batch, steps, hidden = x_proj.size(0), x_proj.size(1), w_hh0.size(1)
    deeper = w_hh.size(0)
    h0 = x_proj.new_zeros(batch, hidden)
    c0 = x_proj.new_zeros(batch, hidden)
    hs: list[torch.Tensor] = []
    cs: list[torch.Tensor] = []
    for _ in range(deeper):
        hs.append(x_proj.new_zeros(batch, hidden))
        cs.append(x_proj.new_zeros(batch, hidden))
    prev = x_proj.new_zeros(batch, w_out.size(0))
    outputs: list[torch.Tensor] = []
    for t in range(steps):
        gates = x_proj[:, t] + torch.mm(prev, w_prev.t()) + torch.addmm(b_hh0, h0, w_hh0.t())
        i, f, g, o = gates.chunk(4, 1)
        c0 = torch.sigmoid(f) * c0 + torch.sigmoid(i) * torch.tanh(g)
        h0 = torch.sigmoid(o) * torch.tanh(c0)
        top = h0
        for layer in range(deeper):
            gates = torch.addmm(b_ih[layer], top, w_ih[layer].t()) + torch.addmm(
                b_hh[layer], hs[layer], w_hh[layer].t()
            )
            i, f, g, o = gates.chunk(4, 1)
            c = torch.sigmoid(f) * cs[layer] + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            cs[layer] = c
            hs[layer] = h
            top = h
        prev = block_activation(torch.addmm(b_out, top, w_out.t()), is_cat, cat_index, flat_index, has_cat)
        outputs.append(prev)
    return torch.stack(outputs, 1)


@torch.jit.script
def gru_feedback_loop(
    x_proj: torch.Tensor,
    w_prev: torch.Tensor,
    w_hh0: torch.Tensor,
    b_hh0: torch.Tensor,
    w_ih: torch.Tensor,
    w_hh: torch.Tensor,
    b_ih: torch.Tensor,
    b_hh: torch.Tensor,
    w_out: torch.Tensor,
    b_out: torch.Tensor,
    is_cat: torch.Tensor,
    cat_index: torch.Tensor,
    flat_index: torch.Tensor,
    has_cat: bool,
) -> torch.Tensor:
    """GRU version of `lstm_feedback_loop` (`x_proj [B, T, 3H]`, gate order r, z, n as in torch)."""
    batch, steps, hidden = x_proj.size(0), x_proj.size(1), w_hh0.size(1)
    deeper = w_hh.size(0)
    h0 = x_proj.new_zeros(batch, hidden)
    hs: list[torch.Tensor] = []
    for _ in range(deeper):
        hs.append(x_proj.new_zeros(batch, hidden))
    prev = x_proj.new_zeros(batch, w_out.size(0))
    outputs: list[torch.Tensor] = []
    for t in range(steps):
        xr, xz, xn = (x_proj[:, t] + torch.mm(prev, w_prev.t())).chunk(3, 1)
        hr, hz, hn = torch.addmm(b_hh0, h0, w_hh0.t()).chunk(3, 1)
        r = torch.sigmoid(xr + hr)
        z = torch.sigmoid(xz + hz)
        h0 = (1.0 - z) * torch.tanh(xn + r * hn) + z * h0
        top = h0
        for layer in range(deeper):
            xr, xz, xn = torch.addmm(b_ih[layer], top, w_ih[layer].t()).chunk(3, 1)
            hr, hz, hn = torch.addmm(b_hh[layer], hs[layer], w_hh[layer].t()).chunk(3, 1)
            r = torch.sigmoid(xr + hr)
            z = torch.sigmoid(xz + hz)
            h = (1.0 - z) * torch.tanh(xn + r * hn) + z * hs[layer]
            hs[layer] = h
            top = h
        prev = block_activation(torch.addmm(b_out, top, w_out.t()), is_cat, cat_index, flat_index, has_cat)
        outputs.append(prev)
    return torch.stack(outputs, 1)
