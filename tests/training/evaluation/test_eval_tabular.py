import numpy as np
import pandas as pd
import pytest
from chronogan.training.evaluation.sequences import EvaluationInputError
from chronogan.training.evaluation.tabular import category_frequencies, missingness


def test_total_variation_distance_and_unseen_labels() -> None:
    real = pd.DataFrame({"c": ["a", "a", "b", "b"]})
    synth = pd.DataFrame({"c": ["a", "a", "a", "z"]})
    out = category_frequencies(real, synth, ["c"])["c"]
    assert out["tvd"] == pytest.approx(0.5)  # |0.5-0.75| + |0.5-0| + |0-0.25| = 1.0, halved
    assert out["never_generated"] == ["b"] and out["only_in_synth"] == ["z"]
    assert out["real"]["a"] == 0.5 and out["synth"]["z"] == 0.25


def test_identical_columns_have_zero_tvd_and_missing_cells_are_ignored() -> None:
    real = pd.DataFrame({"c": ["x", "y", None, "x"]})
    assert category_frequencies(real, real.copy(), ["c"])["c"]["tvd"] == 0.0


def test_missingness_rates() -> None:
    real = pd.DataFrame({"v": [1.0, np.nan, np.nan, 4.0], "w": [1, 2, 3, 4]})
    synth = pd.DataFrame({"v": [1.0, 2.0, 3.0, np.nan], "w": [1, 2, 3, 4]})
    out = missingness(real, synth)
    assert out["v"] == {"real": 0.5, "synth": 0.25, "abs_diff": 0.25}
    assert out["w"]["abs_diff"] == 0.0


def test_unknown_column_is_reported() -> None:
    with pytest.raises(EvaluationInputError, match="'nope'"):
        category_frequencies(pd.DataFrame({"c": [1]}), pd.DataFrame({"c": [1]}), ["nope"])
