"""C-RNN-GAN training steps (Mogren 2016): `d_steps` discriminator updates, then one generator update.

The generator either fools the discriminator (the chosen adversarial loss) or, with
`feature_matching=True` as in the paper, matches the mean of the discriminator's last-layer
features on real data. Fake sequences reuse the real batch's lengths and conditions, so both sides
see the same length/condition distribution. The loss options (DRAGAN's penalty, InfoGAN's codes and
mutual-information term, BEGAN's k_t control) come from `ModelSteps`; `supervised_loss="l1"` makes
feature matching an L1 distance.
"""

from __future__ import annotations

import torch
from chronogan.training.config import CRNNGANConfig
from chronogan.training.losses import acgan_loss, feature_matching_loss
from chronogan.training.models.crnngan import CRNNGANNetworks
from chronogan.training.monitor import batch_diversity
from chronogan.training.trainer.base import ModelSteps, PhasePlan, StepResult, frozen, update
from chronogan.training.trainer.batches import noise_like
from chronogan.training.trainer.statistics import statistics_loss


class CRNNGANSteps(ModelSteps):
    config: CRNNGANConfig
    networks: CRNNGANNetworks

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        n, c = self.networks, self.config
        self.optimizers = {
            "generator": self.adam(n.generator_parameters(), c.lr_g),
            "discriminator": self.adam(n.discriminator_parameters(), c.lr_d),
        }
        self.average = self.average_weights(n.generator_parameters())

    def phases(self) -> list[PhasePlan]:
        return [PhasePlan("adversarial", self.config.steps, 1.0, True)]

    def step(self, phase: str, want_stats: bool) -> StepResult:
        n, c, adv = self.networks, self.config, self.loss
        losses: dict[str, float] = {}
        for _ in range(c.d_steps):
            b = self.sampler.sample()
            with torch.no_grad():
                codes = self.sample_codes(b.size)
                fake = n.generate(noise_like(b, n.noise_dim), b.cond, b.lengths, codes)
            judged_real = n.discriminate(b.x, b.cond, b.lengths)
            judged_fake = n.discriminate(fake, b.cond, b.lengths)
            real_term = adv.d_term(judged_real.logits, b.mask, True)
            fake_term = adv.d_term(judged_fake.logits, b.mask, False)
            d_loss = real_term + fake_term
            losses["d"] = (real_term.item() + fake_term.item()) / 2.0  # per term
            if judged_real.aux is not None:
                d_aux = acgan_loss(judged_real.aux, b.cond, n.side.aux_blocks)
                d_loss = d_loss + d_aux
                losses["aux_real"] = d_aux.item()
            critic = lambda v, b=b: n.discriminate(v, b.cond, b.lengths).logits  # noqa: E731
            for extra in (
                self.info_term(judged_fake.info, codes, losses, "info_d"),
                self.penalty(critic, b.x, fake, b.mask, losses),
            ):
                if extra is not None:
                    d_loss = d_loss + extra
            update(self.optimizers["discriminator"], d_loss)
            self.balance(judged_real.logits, judged_fake.logits, b.mask, losses)

        b = self.sampler.sample()
        with frozen(n.discriminator, n.aux_classifier, n.info_head):
            codes = self.sample_codes(b.size)
            fake = n.generate(noise_like(b, n.noise_dim), b.cond, b.lengths, codes)
            judged = n.discriminate(fake, b.cond, b.lengths)
            g_adv = adv.g_loss(judged.logits, b.mask)
            losses["g_adv"] = g_adv.item()
            if c.feature_matching:
                with torch.no_grad():
                    f_real = n.discriminate(b.x, b.cond, b.lengths).features
                g_loss = feature_matching_loss(f_real, judged.features, b.mask, b.mask, l1=c.supervised_loss == "l1")
                losses["g_feature_matching"] = g_loss.item()
            else:
                g_loss = g_adv
            g_loss = g_loss + statistics_loss(c, fake, b.x, b.mask, losses, n.side.context_inputs(b.cond, b.lengths))
            if judged.aux is not None:
                g_aux = acgan_loss(judged.aux, b.cond, n.side.aux_blocks)
                g_loss = g_loss + g_aux
                losses["aux_fake"] = g_aux.item()
            info = self.info_term(judged.info, codes, losses, "info_g")
            if info is not None:
                g_loss = g_loss + info
            update(self.optimizers["generator"], g_loss)
        if self.average is not None:
            self.average.update()
        ratio = None
        if want_stats:
            ratio = batch_diversity(fake.detach(), b.mask) / max(batch_diversity(b.x, b.mask), 1e-8)
        return StepResult(losses, diversity_ratio=ratio)
