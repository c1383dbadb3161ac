"""Networks: shapes, the block-wise head, conditioning, padding, and ONNX equivalence with dynamic axes."""

from __future__ import annotations

import io

import numpy as np
import onnxruntime as ort
import pytest
import torch
from chronogan.training.config import CRNNGANConfig, TimeGANConfig
from chronogan.training.data.encoded import EncodedData
from chronogan.training.data.layout import FeatureLayout, LayoutBuilder
from chronogan.training.models import CRNNGANNetworks, DataSpec, TimeGANNetworks, build_networks
from chronogan.training.models.heads import BlockHead
from chronogan.training.models.noise import normal_to_uniform


def tiny_data(n: int = 32, t: int = 10, *, variable: bool = True, cond: bool = True, seed: int = 0) -> EncodedData:
    """A numeric block, a 3-way categorical block, a missing indicator, variable lengths, a condition."""
    rng = np.random.default_rng(seed)
    b = LayoutBuilder()
    b.add("price", "numeric")
    b.add("colour", "categorical", 3)
    b.add("price", "missing")
    layout = b.build()
    cb = LayoutBuilder()
    if cond:
        cb.add("region", "categorical", 2)
        cb.add("size", "numeric")
    lengths = rng.integers(t // 2, t + 1, n) if variable else np.full(n, t)
    lengths[0] = t
    x = np.zeros((n, t, layout.n_features), np.float32)
    for i, length in enumerate(lengths):
        x[i, :length, 0] = 0.5 + 0.4 * np.sin(np.arange(length) / 2 + rng.uniform(0, 6))
        x[i, np.arange(length), 1 + rng.integers(0, 3, length)] = 1.0
        x[i, :length, 4] = rng.random(length) < 0.2
    c = np.zeros((n, 3 if cond else 0), np.float32)
    if cond:
        c[np.arange(n), rng.integers(0, 2, n)] = 1.0
        c[:, 2] = rng.random(n)
    return EncodedData(x, lengths.astype(np.int64), c, layout, cb.build())


def _inputs(net, batch: int, steps: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    noise = torch.randn(batch, steps, net.noise_dim, generator=g)
    cond = torch.zeros(batch, net.cond_dim)
    if net.cond_dim:
        cond[torch.arange(batch), torch.randint(0, 2, (batch,), generator=g)] = 1.0
        cond[:, 2] = torch.rand(batch, generator=g)
    lengths = torch.randint(1, steps + 1, (batch,), generator=g)
    lengths[0] = steps
    return noise, cond, lengths


def _build(config, data: EncodedData):
    torch.manual_seed(0)
    return build_networks(config, DataSpec.from_data(data)).eval()


def test_block_head_sigmoid_on_numeric_and_missing_softmax_per_categorical_block():
    b = LayoutBuilder()
    b.add("a", "numeric")
    b.add("c1", "categorical", 3)
    b.add("a", "missing")
    b.add("c2", "categorical", 2)
    head = BlockHead(b.build())
    logits = torch.randn(4, 5, 7) * 5
    out = head(logits)
    assert torch.allclose(out[..., [0, 4]], torch.sigmoid(logits[..., [0, 4]]))
    assert torch.allclose(out[..., 1:4], torch.softmax(logits[..., 1:4], -1))
    assert torch.allclose(out[..., 5:7], torch.softmax(logits[..., 5:7], -1))
    numeric_only = BlockHead(FeatureLayout(b.build().blocks[:1]))
    assert torch.allclose(numeric_only(logits[..., :1]), torch.sigmoid(logits[..., :1]))


@pytest.mark.parametrize(
    "config", [TimeGANConfig(hidden_dim=8, num_layers=3), CRNNGANConfig(hidden_dim=8, num_layers=2, cell="gru")]
)
def test_generate_gives_encoded_features_with_zero_padding(config):
    data = tiny_data()
    net = _build(config, data)
    noise, cond, lengths = _inputs(net, 6, 10)
    with torch.no_grad():
        x = net.generate(noise, cond, lengths)
    assert x.shape == (6, 10, data.n_features)
    assert x.min() >= 0.0 and x.max() <= 1.0
    valid = torch.arange(10)[None, :] < lengths[:, None]
    assert torch.allclose(x[..., 1:4].sum(-1)[valid], torch.ones(int(valid.sum())), atol=1e-5)
    assert (x[~valid] == 0).all()


def test_timegan_networks_follow_the_reference_structure():
    data = tiny_data()
    net = _build(TimeGANConfig(hidden_dim=8, num_layers=3), data)
    assert isinstance(net, TimeGANNetworks)
    assert net.supervisor.rnn.num_layers == 2 and net.embedder.rnn.num_layers == 3
    assert net.noise_dim == data.n_features  # the reference's default noise size
    x = torch.from_numpy(data.x[:4])
    h = net.embed(x)
    assert h.shape == (4, 10, 8) and h.min() >= 0 and h.max() <= 1
    logits, _, aux, info = net.discriminate(h, torch.from_numpy(data.cond[:4]), torch.from_numpy(data.lengths[:4]))
    assert logits.shape == (4, 10) and aux is None and info is None
    # default additions: skip paths (not in the discriminator) and step 0's noise fed at every step
    assert all(m.skip is not None for m in (net.embedder, net.recovery, net.generator, net.supervisor))
    assert net.discriminator.skip is None
    assert net.generator.rnn.input_size == 2 * net.noise_dim + net.side.g_dim
    plain = _build(TimeGANConfig(hidden_dim=8, skip_connections=False, static_noise=False), data)
    assert plain.embedder.skip is None and plain.generator.rnn.input_size == plain.noise_dim + plain.side.g_dim


def test_timegan_generator_is_causal_except_for_the_static_noise():
    data = tiny_data(variable=False, cond=False)
    net = _build(TimeGANConfig(hidden_dim=8), data)
    noise, cond, lengths = _inputs(net, 3, 10)
    later, first = noise.clone(), noise.clone()
    later[:, 6:] = torch.randn(3, 4, net.noise_dim)
    first[:, 0] = torch.randn(3, net.noise_dim)
    with torch.no_grad():
        base = net.generate_latent(noise, cond, lengths)
        changed_later = net.generate_latent(later, cond, lengths)
        changed_first = net.generate_latent(first, cond, lengths)
    assert torch.equal(base[:, :6], changed_later[:, :6]) and not torch.allclose(base[:, 6:], changed_later[:, 6:])
    assert not torch.isclose(base, changed_first).all(-1).any()  # step 0's noise reaches every step


def test_crnngan_discriminator_is_bidirectional_and_generator_is_causal():
    data = tiny_data(variable=False, cond=False)
    net = _build(CRNNGANConfig(hidden_dim=8, num_layers=2), data)
    assert isinstance(net, CRNNGANNetworks) and net.discriminator.rnn.bidirectional
    x = torch.from_numpy(data.x[:3])
    empty, full = torch.zeros(3, 0), torch.full((3,), 10)
    logits, features, _, _ = net.discriminate(x, empty, full)
    assert logits.shape == (3, 10) and features.shape == (3, 10, 16)
    x2 = x.clone()
    x2[:, -1] += 0.5  # a bidirectional discriminator's first step sees the last one
    assert not torch.allclose(net.discriminate(x2, empty, full)[0][:, 0], logits[:, 0])

    noise, _, _ = _inputs(net, 3, 10)
    later = noise.clone()
    later[:, 6:] = torch.randn(3, 4, net.noise_dim)
    with torch.no_grad():
        a, b = net.generate(noise, empty, full), net.generate(later, empty, full)
    assert torch.allclose(a[:, :6], b[:, :6]) and not torch.allclose(a[:, 6:], b[:, 6:])


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_crnngan_scripted_loop_matches_a_plain_cell_loop(cell):
    data = tiny_data()
    net = _build(CRNNGANConfig(hidden_dim=8, num_layers=3, cell=cell, static_noise=False), data)
    noise, cond, lengths = _inputs(net, 4, 7)
    side = net.side.generator_inputs(cond, lengths)
    states = [None] * len(net.generator_cells)
    prev = torch.zeros(4, data.n_features)
    outputs = []
    with torch.no_grad():
        for t in range(7):
            inp = torch.cat([normal_to_uniform(noise[:, t]), prev, side], 1)
            for i, c in enumerate(net.generator_cells):
                states[i] = c(inp, states[i])
                inp = states[i][0] if cell == "lstm" else states[i]
            prev = net.head(net.generator_out(inp))
            outputs.append(prev)
        expected = torch.stack(outputs, 1) * (torch.arange(7)[None, :, None] < lengths[:, None, None])
        assert torch.allclose(net.generate(noise, cond, lengths), expected, atol=1e-6)


def test_crnngan_static_noise_is_a_trained_per_sequence_input():
    data = tiny_data()
    net = _build(CRNNGANConfig(hidden_dim=8), data)  # on by default
    assert net.static_noise is not None
    assert any(p is net.static_noise.weight for p in net.generator_parameters())  # Adam and EMA see it
    noise, cond, lengths = _inputs(net, 4, 7)
    with torch.no_grad():
        with_static = net.generate(noise, cond, lengths)
        net.static_noise.weight.zero_()
        without = net.generate(noise, cond, lengths)
    assert not torch.allclose(with_static[:, 0], without[:, 0])  # step 0's noise reaches layer 0 twice


def test_conditioning_modes():
    data = tiny_data()
    spec = DataSpec.from_data(data)
    auto = build_networks(TimeGANConfig(hidden_dim=8), spec)
    none = build_networks(TimeGANConfig(hidden_dim=8, conditioning="none"), spec)
    acgan = build_networks(CRNNGANConfig(hidden_dim=8, conditioning="acgan"), spec)
    assert auto.conditioning == "cgan" and auto.side.g_dim == 3 + 1  # condition + normalised length
    assert none.side.g_dim == 1 and none.side.d_dim == 1  # length only
    assert acgan.side.d_dim == 1 + 1 and acgan.aux_classifier is not None  # D sees only the numeric context
    noise, cond, lengths = _inputs(auto, 4, 10)
    other = cond.flip(1)
    with torch.no_grad():
        # (compared in latent space: at initialisation the 8 recurrent layers up to the output damp it to ~1e-7)
        latent = auto.generate_latent
        assert not torch.allclose(latent(noise, cond, lengths), latent(noise, other, lengths))
        assert torch.equal(none.generate(noise, cond, lengths), none.generate(noise, other, lengths))
        assert not torch.allclose(acgan.generate(noise, cond, lengths), acgan.generate(noise, other, lengths))
    fixed = DataSpec.from_data(tiny_data(variable=False, cond=False))
    assert build_networks(TimeGANConfig(), fixed).conditioning == "none"
    with pytest.raises(ValueError, match="context columns"):
        build_networks(TimeGANConfig(conditioning="cgan"), fixed)
    numeric_cond = DataSpec(spec.layout, FeatureLayout(spec.cond_layout.blocks[1:]), 10, True)
    with pytest.raises(ValueError, match="categorical context"):
        build_networks(TimeGANConfig(conditioning="acgan"), numeric_cond)


EXPORT_CASES = [
    (TimeGANConfig(hidden_dim=8, num_layers=2), True, True),
    (TimeGANConfig(hidden_dim=8, cell="gru"), False, False),
    (CRNNGANConfig(hidden_dim=8, num_layers=2), True, True),
    (CRNNGANConfig(hidden_dim=8, num_layers=1, cell="gru"), False, True),
]


@pytest.mark.parametrize(("config", "variable", "cond"), EXPORT_CASES)
def test_generator_graph_exports_to_onnx_with_dynamic_batch_and_time(config, variable, cond):
    net = _build(config, tiny_data(variable=variable, cond=cond))
    graph = net.generator_graph().eval()
    example = _inputs(net, 3, 10)
    buffer = io.BytesIO()
    torch.onnx.export(
        graph,
        example,
        buffer,
        dynamo=False,
        input_names=["noise", "condition", "lengths"],
        output_names=["features"],
        dynamic_axes={
            "noise": {0: "batch", 1: "time"},
            "condition": {0: "batch"},
            "lengths": {0: "batch"},
            "features": {0: "batch", 1: "time"},
        },
    )
    session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}
    assert ("lengths" in names) == variable and ("condition" in names) == cond  # unused inputs are dropped
    for batch, steps in [(1, 3), (5, 10), (2, 25)]:  # shorter and longer than the export example
        noise, c, lengths = _inputs(net, batch, steps, seed=batch)
        feeds = {"noise": noise.numpy(), "condition": c.numpy(), "lengths": lengths.numpy()}
        (got,) = session.run(None, {k: v for k, v in feeds.items() if k in names})
        with torch.no_grad():
            expected = net.generate(noise, c, lengths).numpy()
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, atol=1e-4)
