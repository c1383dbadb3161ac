"""The suite's table in Markdown: one row per data set and model, then median and worst case."""

from __future__ import annotations

from typing import Any

import numpy as np

COLUMNS = (
    "data set", "model", "disc ± se", "floor ± se", "disc/floor", "pred", "pred floor (TRTR)", "Σ\\|Δcorr\\|",
    "Σ\\|Δlag-1 corr\\|", "held-out seqs", "repeats", "iterations", "train wall",
)  # fmt: skip
HEADER = "| " + " | ".join(COLUMNS) + " |"


def _pm(d: dict[str, Any] | None) -> str:
    return "—" if not d else f"{d['mean']:.3f} ± {d['se']:.3f}"


def _num(v: float | None, fmt: str = ".3f") -> str:
    return "—" if v is None else format(v, fmt)


def ratio(row: dict[str, Any]) -> float:
    floor = row["floor"]["mean"]
    return row["discriminative"]["mean"] / floor if floor > 0 else float("inf")


def render(rows: list[dict[str, Any]], *, summary: bool) -> str:
    lines = [HEADER, "|" + "---|" * len(COLUMNS)]
    for r in rows:
        pred, trtr = r.get("predictive"), r.get("predictive_train_on_real")
        lines.append(
            f"| {r['dataset']} | {r['model']} | {_pm(r['discriminative'])} | {_pm(r['floor'])} | {ratio(r):.1f}× "
            f"| {_num(pred and pred['mean'])} | {_num(trtr and trtr['mean'])} "
            f"| {_num(r.get('cross_correlation_sum_abs_diff'), '.2f')} "
            f"| {_num(r.get('lag1_cross_correlation_sum_abs_diff'), '.2f')} "
            f"| {r['heldout_sequences']} | {r['repeats']} | {r['iterations']} | {r['train_wall_s']:.0f} s |"
        )
    if summary:
        for model in dict.fromkeys(r["model"] for r in rows):
            mine = [r for r in rows if r["model"] == model]
            disc = np.array([r["discriminative"]["mean"] for r in mine])
            ratios = np.array([ratio(r) for r in mine])
            worst = mine[int(disc.argmax())]
            blank = " |" * (len(COLUMNS) - 4)  # the cells after disc/floor, each closed by its " |"
            worst_ratio = mine[int(ratios.argmax())]
            lines.append(
                f"| **median** ({len(mine)} sets) | {model} | {np.median(disc):.3f} | | {np.median(ratios):.1f}×{blank}"
            )
            lines.append(
                f"| **worst** (disc: {worst['dataset']}; ratio: {worst_ratio['dataset']}) | {model} "
                f"| {disc.max():.3f} | | {ratios.max():.1f}×{blank}"
            )
    return "\n".join(lines)
