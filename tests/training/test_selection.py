"""Snapshot selection: training returns the generator a validation score preferred, not just the last one."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
import torch
from chronogan.training import SchemaOptions, TimeGAN
from chronogan.training.config import TimeGANConfig
from chronogan.training.trainer import train_networks
from torch import nn

from tests.training.test_trainer import _same, _weights, small_crnngan, small_timegan, tiny_data


class ListScorer:
    """Returns the given scores in turn and keeps what it was shown."""

    def __init__(self, scores: list[float], delay: float = 0.0) -> None:
        self.scores = list(scores)
        self.delay = delay
        self.seen: list[dict[str, torch.Tensor]] = []

    def __call__(self, networks: nn.Module) -> float:
        assert not networks.training and next(networks.parameters()).device.type == "cpu"
        self.seen.append({k: v.clone() for k, v in networks.state_dict().items()})
        time.sleep(self.delay)
        return self.scores[len(self.seen) - 1]


def test_the_best_scoring_snapshot_is_returned_and_the_summary_says_which():
    scorer = ListScorer([0.30, 0.10, 0.25, 0.40])
    outcome = train_networks(
        small_timegan(joint_steps=16, select_snapshots=4), tiny_data(), progress=False, scorer=scorer
    )
    selection = outcome.summary["selection"]
    assert selection["scores"] == [0.30, 0.10, 0.25, 0.40]
    assert selection["chosen"] == 1
    assert selection["at_steps"] == sorted(selection["at_steps"]) and selection["at_steps"][-1] == 16
    assert selection["at_steps"][0] >= 8  # select_from 0.5: nothing from the first half of the phase
    final = _weights(outcome)
    generation = [k for k in final if k.split(".")[0] in ("generator", "supervisor", "recovery")]
    assert generation and all(torch.equal(final[k], scorer.seen[1][k]) for k in generation)
    # The last snapshot differs from the chosen one, so the choice really changed the weights.
    assert not all(torch.equal(final[k], scorer.seen[-1][k]) for k in generation)


def test_scoring_snapshots_leaves_training_itself_unchanged():
    # Equal scores keep the latest snapshot: the result must then be exactly the run without selection.
    data = tiny_data()
    for config, plain in (
        (small_timegan(joint_steps=12, select_snapshots=3), small_timegan(joint_steps=12)),
        (small_crnngan(steps=12, select_snapshots=3), small_crnngan(steps=12)),
    ):
        scorer = ListScorer([0.2, 0.2, 0.2])
        selected = train_networks(config, data, progress=False, scorer=scorer)
        assert len(scorer.seen) == 3
        assert _same(_weights(selected), _weights(train_networks(plain, data, progress=False)))


def test_without_a_scorer_or_with_zero_snapshots_nothing_is_scored():
    data = tiny_data()
    assert train_networks(small_timegan(select_snapshots=3), data, progress=False).summary["selection"] is None
    scorer = ListScorer([])
    outcome = train_networks(small_timegan(select_snapshots=0), data, progress=False, scorer=scorer)
    assert outcome.summary["selection"] is None and scorer.seen == []


def test_a_resumed_run_keeps_the_snapshots_it_had_scored_and_ends_as_an_uninterrupted_one(tmp_path):
    data = tiny_data()
    config = small_timegan(joint_steps=16, select_snapshots=4, checkpoint_every=12)
    straight = train_networks(config, data, progress=False, scorer=ListScorer([0.3, 0.1, 0.2, 0.4]))
    assert straight.summary["selection"]["at_steps"] == [10, 12, 14, 16]

    def crash_on_the_third(networks: nn.Module) -> float:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("killed")
        return [0.3, 0.1][len(calls) - 1]

    calls: list[int] = []
    with pytest.raises(RuntimeError, match="killed"):  # the checkpoint of step 12 holds two snapshots
        train_networks(config, data, progress=False, checkpoint_dir=tmp_path, scorer=crash_on_the_third)
    resumed = train_networks(
        config, data, progress=False, checkpoint_dir=tmp_path, resume=True, scorer=ListScorer([0.2, 0.4])
    )
    assert resumed.summary["selection"] == straight.summary["selection"]
    assert resumed.summary["selection"]["chosen"] == 1
    assert _same(_weights(resumed), _weights(straight))


def test_the_budget_stays_a_hard_limit_with_slow_snapshots():
    config = small_timegan(
        embedding_steps=10**6, supervised_steps=10**6, joint_steps=10**6, max_minutes=0.05, select_snapshots=3
    )
    scorer = ListScorer([0.3, 0.2, 0.1], delay=0.4)
    started = time.monotonic()
    outcome = train_networks(config, tiny_data(), progress=False, scorer=scorer)
    assert time.monotonic() - started < 3.0 + 0.5
    assert outcome.summary["seconds"]["total"] <= 3.0 + 0.3
    assert 1 <= len(scorer.seen) <= 3


@pytest.mark.parametrize(
    ("field", "value"), [("select_snapshots", -1), ("select_snapshots", 1.5), ("select_from", 1.0)]
)
def test_bad_selection_settings_name_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        TimeGANConfig(**{field: value})


def test_fit_scores_snapshots_of_the_decoded_output_against_training_data():
    rng = np.random.default_rng(0)
    rows = [
        {"id": f"e{i}", "t": t, "level": float(np.sin(t / 3 + i)), "state": ["a", "b"][int(rng.integers(0, 2))]}
        for i in range(40)
        for t in range(10)
    ]
    config = TimeGANConfig(
        hidden_dim=8, num_layers=1, embedding_steps=5, supervised_steps=5, joint_steps=10, select_snapshots=2
    )
    model = TimeGAN(config).fit(pd.DataFrame(rows), SchemaOptions(sequence_key="id"), progress=False)
    selection = model.summary["selection"]
    assert len(selection["scores"]) == 2 and all(0.0 <= s <= 0.5 for s in selection["scores"])
    assert selection["at_steps"][-1] == 10
    assert len(model.sample(3, seed=0)["id"].unique()) == 3
