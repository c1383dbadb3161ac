"""TimeGAN training steps, following the reference code (jsyoon0823/TimeGAN, `timegan.py`).

Phases:
1. "embedding": autoencoder; loss `recon_weight * sqrt(MSE(recover(embed(x)), x))`.
2. "supervised": the supervisor learns next-step prediction in latent space with teacher forcing
   (its input is the real latent sequence, its output at t is compared with the real latent at t+1).
3. "joint": per iteration, `g_steps_per_iter` times {generator step, embedder step} then one
   discriminator step, which is only applied while the discriminator's loss exceeds `d_threshold`
   (so a discriminator that is already winning does not get stronger).

Loss weights are the reference's (see `TimeGANConfig`): the generator loss is
adv(fake) + gamma*adv(fake latent) + 100*sqrt(supervised MSE) + 100*moment loss, the embedder loss
10*sqrt(reconstruction MSE) + 0.1*supervised MSE, the discriminator loss real + fake + gamma*fake latent.
The sqrt on the MSEs keeps their gradients large once the errors are small; with `supervised_loss="l1"`
the MAE takes the MSE's place (and needs no sqrt). As in the reference each phase has its own Adam
optimiser. The loss options (DRAGAN's penalty, InfoGAN's codes and mutual-information term, BEGAN's
k_t control) come from `ModelSteps`; BEGAN's autoencoder works on latents like the classifier it replaces.
"""

from __future__ import annotations

import torch
from chronogan.training.config import TimeGANConfig
from chronogan.training.losses import acgan_loss
from chronogan.training.models.timegan import TimeGANNetworks
from chronogan.training.monitor import batch_diversity
from chronogan.training.trainer.base import ModelSteps, PhasePlan, StepResult, frozen, update
from chronogan.training.trainer.batches import Batch, noise_like
from chronogan.training.trainer.statistics import statistics_loss


class TimeGANSteps(ModelSteps):
    config: TimeGANConfig
    networks: TimeGANNetworks

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        n, c = self.networks, self.config
        autoencoder = [*n.embedder.parameters(), *n.recovery.parameters()]
        d_params = [
            *n.discriminator.parameters(),
            *(n.aux_classifier.parameters() if n.aux_classifier is not None else []),
            *(n.info_head.parameters() if n.info_head is not None else []),
        ]
        self.optimizers = {
            "autoencoder": self.adam(autoencoder, c.lr_g),
            "supervisor": self.adam(list(n.supervisor.parameters()), c.lr_g),
            "embedder": self.adam(autoencoder, c.lr_g),
            "generator": self.adam(
                [*n.generator.parameters(), *n.supervisor.parameters(), *n.emit_parameters()], c.lr_g
            ),
            "discriminator": self.adam(d_params, c.lr_d),
        }
        if n.output_critic is not None:
            self.optimizers["output_critic"] = self.adam(list(n.output_critic.parameters()), c.lr_d)
        self.average = self.average_weights(
            [*n.generator.parameters(), *n.supervisor.parameters(), *n.recovery.parameters(), *n.emit_parameters()]
        )

    def phases(self) -> list[PhasePlan]:
        c = self.config
        f = c.phase_fractions
        return [
            PhasePlan("embedding", c.embedding_steps, f[0], False),
            PhasePlan("supervised", c.supervised_steps, f[1], False),
            PhasePlan("joint", c.joint_steps, f[2], True),
        ]

    def step(self, phase: str, want_stats: bool) -> StepResult:
        if phase == "embedding":
            return self._embedding_step()
        if phase == "supervised":
            return self._supervised_step()
        return self._joint_step(want_stats)

    def _supervised_error(self, h: torch.Tensor, latent_mask: torch.Tensor) -> torch.Tensor:
        """Teacher-forced next-step error (MSE or MAE): supervise(h)[t] vs h[t+1], where t+1 is valid
        (`latent_mask`: the step mask at the latents' resolution, `networks.latent_mask`)."""
        return self.regression(self.networks.supervise(h)[:, :-1], h[:, 1:], latent_mask[:, 1:])

    def _embedding_step(self) -> StepResult:
        b = self.sampler.sample()
        n = self.networks
        error = self.regression(n.recover(n.embed(b.x), b.steps), b.x, b.mask)
        update(self.optimizers["autoencoder"], self.config.recon_weight * self.regression_term(error))
        return StepResult({"recon": error.item()})

    def _supervised_step(self) -> StepResult:
        b = self.sampler.sample()
        with torch.no_grad():
            h = self.networks.embed(b.x)
        error = self._supervised_error(h, self.networks.latent_mask(b.mask))
        update(self.optimizers["supervisor"], error)
        return StepResult({"supervised": error.item()})

    def _joint_step(self, want_stats: bool) -> StepResult:
        losses: dict[str, float] = {}
        x_hat = b = None
        for _ in range(self.config.g_steps_per_iter):
            b = self.sampler.sample()
            x_hat = self._generator_update(b, losses)
            self._embedder_update(b, losses)
        self._discriminator_update(self.sampler.sample(), losses)
        if self.networks.output_critic is not None:
            self._output_critic_update(self.sampler.sample(), losses)
        if self.average is not None:
            self.average.update()
        ratio = None
        if want_stats and x_hat is not None and b is not None:
            ratio = batch_diversity(x_hat.detach(), b.mask) / max(batch_diversity(b.x, b.mask), 1e-8)
        return StepResult(losses, diversity_ratio=ratio)

    def _generator_update(self, b: Batch, losses: dict[str, float]) -> torch.Tensor:
        n, c, adv = self.networks, self.config, self.loss
        with torch.no_grad():
            h = n.embed(b.x)
        with frozen(n.embedder, n.recovery, n.discriminator, n.aux_classifier, n.info_head, n.output_critic):
            codes = self.sample_codes(b.size)
            noise = noise_like(b, n.noise_dim)
            e_hat = n.generate_latent(noise, b.cond, b.lengths, codes)
            h_hat = n.supervise(e_hat)
            x_hat = n.emit(h_hat, noise)
            fake = n.discriminate(h_hat, b.cond, b.lengths)
            fake_e = n.discriminate(e_hat, b.cond, b.lengths)
            latent_mask = n.latent_mask(b.mask)
            g_adv = adv.g_loss(fake.logits, latent_mask)
            g_adv_e = adv.g_loss(fake_e.logits, latent_mask)
            g_sup = self._supervised_error(h, latent_mask)
            loss = (
                g_adv
                + c.gamma * g_adv_e
                + c.supervised_weight * self.regression_term(g_sup)
                + statistics_loss(c, x_hat, b.x, b.mask, losses, n.side.context_inputs(b.cond, b.lengths))
            )
            if n.output_critic is not None:
                g_out = adv.g_loss(n.criticize_output(x_hat, b.cond, b.lengths), b.mask)
                loss = loss + c.output_critic_weight * g_out
                losses["g_adv_output"] = g_out.item()
            if fake.aux is not None:
                g_aux = acgan_loss(fake.aux, b.cond, n.side.aux_blocks)
                loss = loss + g_aux
                losses["aux_fake"] = g_aux.item()
            info = self.info_term(fake.info, codes, losses, "info_g")
            if info is not None:
                loss = loss + info
            update(self.optimizers["generator"], loss)
        losses.update(g_adv=g_adv.item(), g_adv_latent=g_adv_e.item(), g_supervised=g_sup.item())
        return x_hat

    def _embedder_update(self, b: Batch, losses: dict[str, float]) -> None:
        n, c = self.networks, self.config
        with frozen(n.supervisor):
            h = n.embed(b.x)
            recon = self.regression(n.recover(h, b.steps), b.x, b.mask)
            sup = self._supervised_error(h, n.latent_mask(b.mask))
            update(
                self.optimizers["embedder"],
                c.recon_weight * self.regression_term(recon) + c.embed_supervised_weight * sup,
            )
        losses["recon"] = recon.item()

    def _output_critic_update(self, b: Batch, losses: dict[str, float]) -> None:
        """One step of the decoded-space critic: real sequences against generated ones, decoded as the
        generation path decodes them (with the same threshold rule as the latent discriminator)."""
        n, c, adv = self.networks, self.config, self.loss
        with torch.no_grad():
            x_hat = n.generate(noise_like(b, n.noise_dim), b.cond, b.lengths, self.sample_codes(b.size))
        real = adv.d_term(n.criticize_output(b.x, b.cond, b.lengths), b.mask, True)
        fake = adv.d_term(n.criticize_output(x_hat, b.cond, b.lengths), b.mask, False)
        loss = real + fake
        losses["d_output"] = loss.item() / 2.0
        if not adv.bounded_below or loss.item() > c.d_threshold:
            critic = lambda v: n.criticize_output(v, b.cond, b.lengths)  # noqa: E731
            penalty = self.penalty(critic, b.x, x_hat, b.mask, {})
            update(self.optimizers["output_critic"], loss if penalty is None else loss + penalty)

    def _discriminator_update(self, b: Batch, losses: dict[str, float]) -> None:
        n, c, adv = self.networks, self.config, self.loss
        with torch.no_grad():
            h = n.embed(b.x)
            codes = self.sample_codes(b.size)
            e_hat = n.generate_latent(noise_like(b, n.noise_dim), b.cond, b.lengths, codes)
            h_hat = n.supervise(e_hat)
        judged_real = n.discriminate(h, b.cond, b.lengths)
        judged_fake = n.discriminate(h_hat, b.cond, b.lengths)
        y_fake_e = n.discriminate(e_hat, b.cond, b.lengths).logits
        latent_mask = n.latent_mask(b.mask)
        real = adv.d_term(judged_real.logits, latent_mask, True)
        fake = adv.d_term(judged_fake.logits, latent_mask, False)
        fake_e = adv.d_term(y_fake_e, latent_mask, False)
        d_loss = real + fake + c.gamma * fake_e
        value = d_loss.item()
        losses["d"] = (real.item() + fake.item() + fake_e.item()) / 3.0
        # The reference only trains D while its loss > 0.15 (D not yet winning); a WGAN critic's or BEGAN's
        # loss is not bounded below, so there the discriminator is always trained.
        if not adv.bounded_below or value > c.d_threshold:
            total = d_loss
            if judged_real.aux is not None:
                d_aux = acgan_loss(judged_real.aux, b.cond, n.side.aux_blocks)
                total = total + d_aux
                losses["aux_real"] = d_aux.item()
            critic = lambda v: n.discriminate(v, b.cond, b.lengths).logits  # noqa: E731
            for extra in (
                self.info_term(judged_fake.info, codes, losses, "info_d"),
                self.penalty(critic, h, h_hat, latent_mask, losses),
            ):
                if extra is not None:
                    total = total + extra
            update(self.optimizers["discriminator"], total)
        self.balance(judged_real.logits, judged_fake.logits, latent_mask, losses)
