"""Typed, JSON-able hyper-parameters: one dataclass per model, sharing `GANConfig`.

Every field has a default a user gets good results with on CPU (see each class's docstring for
why). `to_dict()`/`from_dict()` round-trip through JSON; unknown keys and bad values raise
`ValueError` naming the field, so a typo in a config file fails loudly instead of being ignored.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Self

from chronogan.training.data.options import SequenceShape

from chronogan.artifacts.choices import (
    CELLS,
    CONDITIONINGS,
    DEVICES,
    LOSSES,
    SUPERVISED_LOSSES,
    CellType,
    Conditioning,
    DeviceName,
    LossName,
    SupervisedLoss,
)

# Longest window for one long series (the HTTP schema has the same bound for generation).
MAX_SEQ_LEN = 4096


@dataclass
class GANConfig:
    """Settings shared by every model.

    Data shaping: `seq_len`/`stride` window a single long series; `max_seq_len` caps entity
    sequences. Network: `hidden_dim` units per recurrent layer, `num_layers` layers of `cell`.
    `noise_dim` per time step (None = the number of encoded features, as in the TimeGAN reference).
    Training: `batch_size`, Adam `lr_g`/`lr_d`/`betas`, `max_minutes` hard wall-clock budget
    (None = the step counts rule), `seed` for reproducibility, a history record every `log_every`
    steps, a checkpoint every `checkpoint_every` steps (when a checkpoint folder is given), and
    `num_threads` torch threads while training: 1 by default, because the networks are small (hidden
    24-64, batch 128): a second thread gains at most ~1.5x on an idle machine, but as soon as another
    process competes for a core, OpenMP threads spin-waiting on each other made training ~10x slower
    in our measurements; one thread also makes results independent of the machine's core count (the
    thread count changes floating-point summation order). Use 2 on a dedicated machine, ideally with
    OMP_WAIT_POLICY=PASSIVE in the environment.
    `device`: where training runs: "cpu", "cuda" (an error when torch sees no GPU) or "auto" (cuda when
    available); the exported ONNX graph and its verification always come from a CPU copy. The same seed gives
    the same model on the same device, not across devices (different kernels, different summation order).
    `select_snapshots`: score the averaged generator this many times over the last `1 - select_from` of the
    adversarial phase (the last time at its end) with a short discriminative score against training
    sequences, and return the best-scoring snapshot instead of the last (`chronogan.training.trainer.selection`;
    0 returns the last). The scoring takes time from the budget.
    `sample_categories`: the exported graph draws each categorical value from the generator's softmax
    (inverse CDF of a `category_noise` input the runtime draws from the request's seed) instead of taking
    its argmax. An argmax turns a step the generator leaves uncertain (rain 0.45, sun 0.40, fog 0.15) into
    the mode every time, so rare categories come out rarer than in the data.
    `ema_decay`: the generation path is returned with an exponential moving average of its weights
    (see `chronogan.training.trainer.ema`); None or 0 returns the last weights instead.
    `static_noise`: the generator also sees step 0's noise at every step, a per-sequence random vector
    for what stays constant over a sequence (its level), so the per-step noise only has to explain the
    moves (as DoppelGANger splits its noise). Without it, both generators had to carry the level from
    step 0 through their recurrent state, and on the stocks data they produced far too little spread
    across sequences within a CPU budget.
    Statistic matching in the generator loss (`chronogan.training.trainer.statistics`; 0 turns a term off):
    `moment_weight` batch mean/std per step and feature (TimeGAN's moment loss, weight 100 as in its
    reference), `diff_moment_weight` the same for step-to-step changes, `within_std_weight` each
    sequence's std over time, `change_corr_weight` the correlation matrix of consecutive changes,
    `acf_weight` each feature's autocorrelation at lags 1..min(T/2, 32), `cross_corr_weight` the
    correlation matrix between features (values pooled over steps), `context_weight` the covariance of each
    sequence's mean with its condition vector and length (so levels follow the context).
    Loss options (`chronogan.training.losses`; each only read by its loss): `supervised_loss` "mse" or
    "l1" for the supervised and reconstruction terms (TimeGAN's supervisor and autoencoder, C-RNN-GAN's
    feature matching). DRAGAN: `dragan_weight` (lambda, 10 in the paper) and `dragan_scale` (C: the
    perturbation is C * std(x) * U[0, 1), 0.5 in the paper). InfoGAN: `info_categorical` the number of
    categories of each categorical code (uniform prior), `info_continuous` how many continuous codes
    (U[-1, 1] prior), `info_weight` the weight of the mutual-information term in both losses (1 in the
    paper). BEGAN: `began_gamma` the diversity ratio E[L(fake)] / E[L(real)] k_t steers to (0.5 in the
    paper) and `began_lambda_k` k_t's learning rate (0.001).
    """

    model_type: ClassVar[str] = ""

    seq_len: int = 24
    stride: int = 1
    max_seq_len: int = 256
    batch_size: int = 128
    hidden_dim: int = 24
    num_layers: int = 3
    cell: CellType = "lstm"
    noise_dim: int | None = None
    loss: LossName = "bce"
    conditioning: Conditioning = "auto"
    lr_g: float = 1e-3
    lr_d: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    max_minutes: float | None = None
    seed: int = 0
    log_every: int = 50
    checkpoint_every: int = 1000
    num_threads: int = 1
    device: DeviceName = "cpu"
    ema_decay: float | None = 0.999
    static_noise: bool = True
    moment_weight: float = 100.0
    diff_moment_weight: float = 100.0
    within_std_weight: float = 100.0
    change_corr_weight: float = 0.0
    acf_weight: float = 0.0
    supervised_loss: SupervisedLoss = "mse"
    dragan_weight: float = 10.0
    dragan_scale: float = 0.5
    info_categorical: tuple[int, ...] = (3,)
    info_continuous: int = 1
    info_weight: float = 1.0
    began_gamma: float = 0.5
    began_lambda_k: float = 0.001
    # Off by default: on the whole fidelity suite (9 data sets, same steps) they made the channel
    # correlations right but the discriminative score worse on 5 sets and better on none (BENCHMARKS.md).
    cross_corr_weight: float = 0.0
    context_weight: float = 0.0
    select_snapshots: int = 0
    select_from: float = 0.5
    sample_categories: bool = False

    def __post_init__(self) -> None:
        _require(self, "betas", len(self.betas) == 2 and all(map(_is_number, self.betas)), "two numbers")
        self.betas = (float(self.betas[0]), float(self.betas[1]))
        _ints(
            self,
            (
                "seq_len",
                "stride",
                "max_seq_len",
                "batch_size",
                "hidden_dim",
                "num_layers",
                "log_every",
                "checkpoint_every",
            ),
            minimum=1,
        )
        _ints(self, ("num_threads",), minimum=1)
        _ints(self, ("select_snapshots",), minimum=0)
        _require(
            self, "select_from", _is_number(self.select_from) and 0.0 <= self.select_from < 1.0, "a number in [0, 1)"
        )
        _require(self, "seq_len", self.seq_len <= MAX_SEQ_LEN, f"at most {MAX_SEQ_LEN}")
        _require(
            self,
            "noise_dim",
            self.noise_dim is None or (_is_int(self.noise_dim) and self.noise_dim > 0),
            "positive or null",
        )
        _require(self, "cell", self.cell in CELLS, f"one of {CELLS}")
        _require(self, "device", self.device in DEVICES, f"one of {DEVICES}")
        _require(self, "loss", self.loss in LOSSES, f"one of {LOSSES}")
        _require(self, "supervised_loss", self.supervised_loss in SUPERVISED_LOSSES, f"one of {SUPERVISED_LOSSES}")
        _require(
            self,
            "info_categorical",
            isinstance(self.info_categorical, tuple | list)
            and all(_is_int(k) and k >= 2 for k in self.info_categorical),
            "a list of category counts, each an integer >= 2",
        )
        self.info_categorical = tuple(self.info_categorical)
        _ints(self, ("info_continuous",), minimum=0)
        if self.loss == "infogan":
            _require(
                self,
                "info_categorical",
                bool(self.info_categorical) or self.info_continuous > 0,
                "non-empty when info_continuous is 0 (InfoGAN needs a code)",
            )
        _non_negative(self, ("dragan_weight", "dragan_scale", "info_weight", "began_lambda_k"))
        _require(self, "began_gamma", _is_number(self.began_gamma) and 0.0 < self.began_gamma <= 1.0, "in (0, 1]")
        _require(self, "conditioning", self.conditioning in CONDITIONINGS, f"one of {CONDITIONINGS}")
        for name in ("lr_g", "lr_d"):
            _require(self, name, _is_number(getattr(self, name)) and getattr(self, name) > 0, "positive")
        _require(self, "betas", all(0.0 <= b < 1.0 for b in self.betas), "two numbers in [0, 1)")
        _require(
            self,
            "max_minutes",
            self.max_minutes is None or (_is_number(self.max_minutes) and self.max_minutes > 0),
            "positive or null",
        )
        _require(self, "seed", _is_int(self.seed) and self.seed >= 0, "a non-negative integer")
        _non_negative(
            self,
            (
                "moment_weight",
                "diff_moment_weight",
                "within_std_weight",
                "change_corr_weight",
                "acf_weight",
                "cross_corr_weight",
                "context_weight",
            ),
        )
        _bools(self, ("static_noise", "sample_categories"))
        _require(
            self,
            "ema_decay",
            self.ema_decay is None or (_is_number(self.ema_decay) and 0.0 <= self.ema_decay < 1.0),
            "in [0, 1) or null",
        )

    def sequence_shape(self) -> SequenceShape:
        """The one source of seq_len/stride/max_seq_len for cutting the data into sequences."""
        return SequenceShape(seq_len=self.seq_len, stride=self.stride, max_seq_len=self.max_seq_len)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict, including `model_type` so `config_from_dict` can pick the class."""
        out: dict[str, Any] = {"model_type": self.model_type}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        data = dict(data)
        model_type = data.pop("model_type", cls.model_type)
        if model_type != cls.model_type:
            raise ValueError(f"model_type: expected {cls.model_type!r}, got {model_type!r}")
        known = {f.name for f in dataclasses.fields(cls)}
        for key in data:
            if key not in known:
                raise ValueError(f"unknown config key {key!r} for {cls.__name__} (known: {sorted(known)})")
        for key in ("betas", "phase_fractions", "info_categorical"):  # JSON has no tuples
            if isinstance(data.get(key), list):
                data[key] = tuple(data[key])
        return cls(**data)

    def architecture(self) -> dict[str, Any]:
        """The fields that fix the networks' shapes: a checkpoint must match them to be resumed."""
        return {
            "model_type": self.model_type,
            "hidden_dim": self.hidden_dim,
            "num_layers": self.num_layers,
            "cell": self.cell,
            "noise_dim": self.noise_dim,
            "conditioning": self.conditioning,
            "static_noise": self.static_noise,
            # BEGAN's discriminator is an autoencoder; InfoGAN adds code inputs and a Q head.
            "discriminator": "autoencoder" if self.loss == "began" else "classifier",
            "codes": self.code_layout(),
        }

    def code_layout(self) -> dict[str, Any]:
        """The InfoGAN codes the generator takes: none unless loss="infogan"."""
        if self.loss != "infogan":
            return {"categorical": [], "continuous": 0}
        return {"categorical": list(self.info_categorical), "continuous": self.info_continuous}


@dataclass
class TimeGANConfig(GANConfig):
    """TimeGAN (Yoon et al. 2019), following the reference code jsyoon0823/TimeGAN, tuned for CPU budgets.

    Where the defaults differ from the reference, each to buy quality per second of a 10-minute CPU budget
    (why and what was measured: docs/TRAINING.md, BENCHMARKS.md): `num_layers` 2 instead of 3 (more
    joint iterations per second), `skip_connections` (a linear input->output path in the embedder,
    recovery, generator and supervisor stacks, see `RNNStack`), `static_noise` (see `GANConfig`), and
    `diff_moment_weight`/`within_std_weight` beside the reference's moment loss on values.

    Phases: `embedding_steps` autoencoder, `supervised_steps` next-step supervisor (teacher forcing on
    real latents), `joint_steps` adversarial; without `max_minutes` the step counts rule (~19 minutes on
    one thread). With `max_minutes` the budget is split by `phase_fractions` (time a phase leaves unused
    flows on to later phases); the joint phase gets most, since the first two converge quickly.
    Loss weights (the reference's): generator loss = adv + `gamma`*adv_on_latent
    + `supervised_weight`*sqrt(supervised MSE) + `moment_weight`*moments (+ the two weights above);
    embedder loss in the joint phase = `recon_weight`*sqrt(reconstruction MSE)
    + `embed_supervised_weight`*supervised MSE; discriminator loss = real + fake + `gamma`*fake_on_latent,
    only stepped while above `d_threshold` (ignored for wgan-gp, whose critic loss is not bounded below).
    `g_steps_per_iter` generator (and embedder) steps per discriminator step, 2 as in the reference.
    `gp_weight` is the WGAN-GP penalty weight (only used with loss="wgan-gp").
    `output_noise`: the generation path adds per-step noise to the numeric channels' logits with a learned
    scale per channel (see `TimeGANNetworks.emit`), a direct source of step-to-step roughness.
    `output_critic_weight`: a second discriminator, a one-layer bidirectional recurrent critic of
    `output_critic_dim` units that reads the *decoded-space* sequences (what a user and the post-hoc
    classifier see: categorical softmaxes, missing flags, the generation path's output noise) where the
    reference's discriminator only reads latents; each step's logit sees the whole sequence. Its adversarial
    term enters the generator loss with this weight (0: no such critic, the reference's networks).
    `sample_len`: time steps per recurrent step (DoppelGANger's `sample_len`, see
    `chronogan.training.models.step_groups`): the five stacks run over groups of this many steps, so an
    iteration on long sequences costs about `1 / sample_len` as much and what lasts a whole sequence is
    carried over fewer recurrent steps; the exported graph still takes and returns one row per step.
    "auto" (the default, `resolve_sample_len`) keeps one step per recurrent step, and exactly the networks
    without grouping, for training sequences shorter than 40 steps (Stocks, Sines, windows of 24: measured
    at their floors that way), and gives longer ones `T // 10` (60-step entities 6, 150-step ones 15): about
    10 recurrent steps per sequence, the best of 3, 4, 5, 6 on the demo model (BENCHMARKS.md).
    """

    model_type: ClassVar[str] = "timegan"

    num_layers: int = 2
    embedding_steps: int = 3000
    supervised_steps: int = 2000
    joint_steps: int = 10000
    phase_fractions: tuple[float, float, float] = (0.12, 0.05, 0.83)
    gamma: float = 1.0
    supervised_weight: float = 100.0
    recon_weight: float = 10.0
    embed_supervised_weight: float = 0.1
    d_threshold: float = 0.15
    g_steps_per_iter: int = 2
    gp_weight: float = 10.0
    skip_connections: bool = True
    output_noise: bool = False
    output_critic_weight: float = 0.0
    output_critic_dim: int = 16
    sample_len: int | Literal["auto"] = "auto"

    def __post_init__(self) -> None:
        super().__post_init__()
        _non_negative(self, ("output_critic_weight",))
        _ints(self, ("output_critic_dim",), minimum=1)
        if self.sample_len != "auto":
            _ints(self, ("sample_len",), minimum=1)
        _require(
            self,
            "output_critic_weight",
            self.output_critic_weight == 0 or self.loss != "began",
            "0 with loss 'began' (its discriminator is an autoencoder, not a classifier)",
        )
        _require(
            self,
            "phase_fractions",
            len(self.phase_fractions) == 3 and all(_is_number(f) and f > 0 for f in self.phase_fractions),
            "three positive numbers",
        )
        self.phase_fractions = tuple(float(f) for f in self.phase_fractions)  # type: ignore[assignment]
        _ints(self, ("embedding_steps", "supervised_steps", "joint_steps"), minimum=0)
        _ints(self, ("g_steps_per_iter",), minimum=1)
        _non_negative(
            self, ("gamma", "supervised_weight", "recon_weight", "embed_supervised_weight", "d_threshold", "gp_weight")
        )
        _bools(self, ("skip_connections", "output_noise"))

    def architecture(self) -> dict[str, Any]:
        return {
            **super().architecture(),
            "skip_connections": self.skip_connections,
            "output_noise": self.output_noise,
            "output_critic_dim": self.output_critic_dim if self.output_critic_weight > 0 else 0,
            "sample_len": self.sample_len,
        }


# "auto" sample_len: sequences of at least AUTO_MIN_LEN steps get about AUTO_GROUPS recurrent steps each;
# shorter ones keep one step per recurrent step (see TimeGANConfig).
AUTO_MIN_LEN = 40
AUTO_GROUPS = 10


def resolve_sample_len(sample_len: int | str, max_len: int) -> int:
    """The steps per recurrent step for training sequences of `max_len` steps."""
    if sample_len != "auto":
        return int(sample_len)
    return max(1, max_len // AUTO_GROUPS) if max_len >= AUTO_MIN_LEN else 1


@dataclass
class CRNNGANConfig(GANConfig):
    """C-RNN-GAN (Mogren 2016): autoregressive LSTM generator, bidirectional LSTM discriminator.

    Mogren used 2 layers of 350 units; 2 layers of 64 keep a step fast on CPU. `steps` adversarial
    steps, each with `d_steps` discriminator updates then one generator update. `feature_matching`
    (as in the paper) trains the generator to match the mean discriminator features of real data
    instead of fooling it. Off by default: with the statistic-matching terms and static noise already
    guarding against mode collapse, it let the discriminator win outright on the stocks data (Stocks
    discriminative score after 10 minutes 0.441 with it, 0.122 without; BENCHMARKS.md). Adam with
    beta1 = 0.5, the usual GAN setting. `gp_weight` is used with loss="wgan-gp" only.
    """

    model_type: ClassVar[str] = "crnngan"

    hidden_dim: int = 64
    num_layers: int = 2
    lr_g: float = 1e-3
    lr_d: float = 1e-3
    betas: tuple[float, float] = (0.5, 0.999)
    steps: int = 6000
    d_steps: int = 1
    feature_matching: bool = False
    gp_weight: float = 10.0

    def __post_init__(self) -> None:
        super().__post_init__()
        _ints(self, ("steps",), minimum=0)
        _ints(self, ("d_steps",), minimum=1)
        _bools(self, ("feature_matching",))
        _non_negative(self, ("gp_weight",))


# Fields that change the networks' shapes and were added after artifacts already existed: a saved
# config.json without them was built without them, so loading it must not switch them on.
ADDED_ARCHITECTURE_FIELDS: dict[str, Any] = {
    "skip_connections": False,
    "static_noise": False,
    "output_noise": False,
    "sample_len": 1,
}


def config_from_saved(data: dict[str, Any]) -> GANConfig:
    """`config_from_dict` for a config.json saved with an artifact: architecture fields the file predates
    take the value that rebuilds the networks it was saved with (not today's defaults)."""
    from chronogan.training.registry import MODEL_TYPES  # the registry imports the config classes above

    entry = MODEL_TYPES.get(str(data.get("model_type")))
    if entry is None:
        return config_from_dict(data)  # raises the usual error
    known = {f.name for f in dataclasses.fields(entry.config)}
    filled = {k: v for k, v in ADDED_ARCHITECTURE_FIELDS.items() if k in known and k not in data}
    return config_from_dict({**data, **filled})


def config_from_dict(data: dict[str, Any]) -> GANConfig:
    """Build the right config class from a dict carrying `model_type`."""
    from chronogan.training.registry import model_type_entry

    return model_type_entry(data.get("model_type")).config.from_dict(data)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _ints(config: GANConfig, names: tuple[str, ...], minimum: int) -> None:
    for name in names:
        value = getattr(config, name)
        _require(config, name, _is_int(value) and value >= minimum, f"an integer >= {minimum}")


def _bools(config: GANConfig, names: tuple[str, ...]) -> None:
    for name in names:
        _require(config, name, isinstance(getattr(config, name), bool), "true or false")


def _non_negative(config: GANConfig, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(config, name)
        _require(config, name, _is_number(value) and value >= 0, "a non-negative number")


def _require(config: GANConfig, name: str, ok: bool, what: str) -> None:
    if not ok:
        raise ValueError(f"config field {name!r} must be {what}, got {getattr(config, name)!r}")


__all__ = [
    "GANConfig",
    "TimeGANConfig",
    "CRNNGANConfig",
    "config_from_dict",
    "config_from_saved",
    "CellType",
    "LossName",
    "SupervisedLoss",
    "Conditioning",
]
