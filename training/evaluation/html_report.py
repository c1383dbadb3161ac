"""The fidelity report as one self-contained HTML page: inline CSS, PNGs as base64 data URIs, no scripts,
nothing fetched from anywhere — it has to open the same from an e-mail attachment or an air-gapped box.

Every user-supplied string (feature and column names, labels, history keys) goes through `html.escape`.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from typing import Any

PLOT_CAPTIONS = {
    "pca": "PCA of real (blue) and synthetic (orange) sequences, each averaged over features as in the "
    "TimeGAN paper. The synthetic cloud should cover the real one: gaps mean missed modes, extra lobes "
    "mean artefacts.",
    "tsne": "t-SNE of both sets embedded together. Well-mixed colours are good; separate islands of one "
    "colour are sequences the other set has nothing like.",
    "marginals": "Distribution of every value of each feature. Shapes should match, including the tails.",
    "trajectories": "Random sequences, real on the left and synthetic on the right, on the same scale.",
    "acf": "Autocorrelation at lags 1..k: how strongly a value follows from the ones before it. Curves "
    "should coincide; a flatter synthetic curve means noisier, less persistent dynamics.",
    "losses": "Training losses per phase. The dashed line is the discriminator's equilibrium (D cannot tell "
    "real from synthetic); a D loss far below it for long means the generator was losing. BEGAN has none: "
    "its m_global curve (convergence measure) should fall, the dotted line marks its best value.",
}

# Rough reading of the discriminative score, from the TimeGAN paper's tables: TimeGAN scored 0.011 on sines,
# 0.102 on stocks, 0.236 on energy; weak baselines sit at 0.3-0.5.
DISC_BANDS = (
    (0.05, "good", "hard to tell apart"),
    (0.15, "fair", "somewhat distinguishable"),
    (0.3, "weak", "clearly distinguishable"),
    (float("inf"), "bad", "easily told apart"),
)
PRED_BANDS = (
    (0.05, "good", "within 5% of the train-on-real floor"),
    (0.2, "fair", "within 20% of the floor"),
    (float("inf"), "weak", "well above the floor"),
)

QUANTILE_LABELS = {"q00": "min", "q01": "1%", "q05": "5%", "q25": "25%", "q50": "median"}

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1150px;
padding:24px;color:#1d2330;line-height:1.45}
h1{margin-bottom:4px}h2{border-bottom:1px solid #dde1e7;padding-bottom:4px;margin-top:36px}
.muted{color:#667085}.banner{background:#fff4d6;border:1px solid #e8c35a;padding:10px 14px;border-radius:6px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:16px;margin-top:18px}
.card{border:1px solid #dde1e7;border-radius:8px;padding:14px 16px}
.card .value{font-size:28px;font-weight:600}
.card .label{font-size:13px;text-transform:uppercase;color:#667085}
.tag{display:inline-block;border-radius:10px;padding:1px 9px;font-size:12px;font-weight:600;margin-left:6px}
.good{background:#dcf5e3;color:#146c2e}.fair{background:#fff0c2;color:#7a5a00}
.weak,.suspicious{background:#ffe1c7;color:#8a3b00}.bad,.copies{background:#ffd6d6;color:#9b1c1c}
.ok{background:#dcf5e3;color:#146c2e}
table{border-collapse:collapse;margin:10px 0 4px;font-size:14px}
th,td{border-bottom:1px solid #eceff3;padding:4px 10px;text-align:right}th{background:#f6f7f9}
td:first-child,th:first-child{text-align:left}
figure{margin:18px 0}figure img{max-width:100%;border:1px solid #eceff3}
figcaption{font-size:14px;color:#475467;max-width:900px}
.pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:12px}
"""


def render_html(
    metrics: Mapping[str, Any], plots: Mapping[str, bytes], *, title: str = "chronogan fidelity report"
) -> str:
    """The whole page. `metrics` is `evaluate`'s dict, `plots` maps plot keys to PNG bytes (any order is
    fine; known keys get an explanatory caption, unknown ones their key)."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        _data_line(metrics),
        _quick_banner(metrics),
        _headline(metrics),
        _plots(plots),
        _fidelity_tables(metrics),
        _memorisation_section(metrics.get("memorisation")),
        _privacy_section(metrics.get("privacy")),
        _training_section(metrics.get("training")),
        _run_section(metrics),
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p)


# --- headline ---------------------------------------------------------------------------------------------


def _headline(m: Mapping[str, Any]) -> str:
    cards = [
        _disc_card(m.get("disc"), m.get("disc_floor"), m.get("disc_against")),
        _pred_card(m.get("pred"), m.get("predictive_train_on_real"), m),
        _memo_card(m.get("memorisation")),
    ]
    return '<div class="cards">' + "".join(cards) + "</div>"


def _disc_card(disc: Mapping[str, Any] | None, floor: Mapping[str, Any] | None, against: str | None) -> str:
    if not disc:
        return ""
    tag, words = _band(disc["mean"], DISC_BANDS)
    floor_value = _f(floor["mean"]) if floor else "n/a"
    floor_text = (
        f"The <b>real-vs-real floor</b> ({_e(floor.get('kind', 'real vs real'))}, same classifier) is "
        f"<b>{_f(floor['mean'])} ± {_f(_se(floor))}</b>: what this score reads when both sides are real."
        if floor
        else "No real-vs-real floor (too few real sequences)."
    )
    return _card(
        "Discriminative score",
        f'{_f(disc["mean"])} ± {_f(_se(disc))} <span class="muted">(floor {floor_value})</span>',
        f'<span class="tag {tag}">{tag}</span> {words}',
        "|accuracy − 0.5| of a GRU (reading each sequence at its own length) trained to tell real from "
        f"synthetic, scored against the {_e(against or 'real data')} (± standard error over repeats). "
        f"<b>0 is best</b> (the classifier is guessing); 0.5 means perfectly separable. {floor_text}",
    )


def _se(score: Mapping[str, Any]) -> float | None:
    """The standard error (None, shown as '–', in metrics written before it was recorded)."""
    return score.get("se")


def _pred_card(pred: Mapping[str, Any] | None, floor: Mapping[str, Any] | None, m: Mapping[str, Any]) -> str:
    if not pred or not floor:
        return _card("Predictive score", "n/a", "", _e(m.get("pred_skipped", "not computed")))
    gap = (pred["mean"] - floor["mean"]) / floor["mean"] if floor["mean"] else None
    tag, words = _band(max(gap, 0.0), PRED_BANDS) if gap is not None else ("fair", "")
    gap_text = f"{gap:+.1%} vs floor" if gap is not None else ""
    return _card(
        "Predictive score (train synthetic, test real)",
        f"{_f(pred['mean'], 4)} ± {_f(pred['std'], 4)}",
        f'<span class="tag {tag}">{tag}</span> {gap_text} — {words}',
        "Mean absolute error of a GRU trained on synthetic data to predict the last feature one step ahead, "
        f"tested on all real sequences. <b>Lower is better</b>; the floor, the same model trained on real "
        f"data, is <b>{_f(floor['mean'], 4)} ± {_f(floor['std'], 4)}</b>.",
    )


def _memo_card(memo: Mapping[str, Any] | None) -> str:
    if not memo:
        return ""
    verdict = memo["verdict"]
    words = {
        "ok": "no sign of copying",
        "suspicious": "closer to the training data than fresh data is",
        "copies": "synthetic sequences that copy training sequences",
    }[verdict]
    return _card(
        "Memorisation",
        f"{memo['n_near_copies']} copies",
        f'<span class="tag {verdict}">{verdict}</span> {words}',
        f"{_pct(memo['fraction_closer_than_holdout_p1'])} of synthetic sequences are closer to a training "
        "sequence than the closest 1% of held-out real ones (fresh data: about 1%).",
    )


def _card(label: str, value: str, tag: str, explain: str) -> str:
    return (
        f'<div class="card"><div class="label">{_e(label)}</div><div class="value">{value}</div>'
        f'<div>{tag}</div><p class="muted">{explain}</p></div>'
    )


# --- plots ------------------------------------------------------------------------------------------------


def _plots(plots: Mapping[str, bytes]) -> str:
    if not plots:
        return ""
    keys = [k for k in PLOT_CAPTIONS if k in plots] + [k for k in plots if k not in PLOT_CAPTIONS]
    figures = {k: _figure(plots[k], PLOT_CAPTIONS.get(k, k)) for k in keys}
    out = ["<h2>Plots</h2>"]
    embeddings = [figures.pop(k) for k in ("pca", "tsne") if k in figures]
    if embeddings:
        out.append('<div class="pair">' + "".join(embeddings) + "</div>")
    out.extend(figures.values())
    return "\n".join(out)


def _figure(png: bytes, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img alt="{_e(caption[:60])}" src="data:image/png;base64,{data}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


# --- tables -----------------------------------------------------------------------------------------------


def _fidelity_tables(m: Mapping[str, Any]) -> str:
    stats = m.get("stats") or {}
    out = ["<h2>Distributions</h2>"]
    marg = stats.get("marginals")
    if marg:
        out.append(
            "<p>Per-feature distance between real and synthetic values: Wasserstein-1 on the [0, 1] "
            "scale (average shift) and Kolmogorov–Smirnov (largest CDF gap). 0 is identical.</p>"
        )
        rows = [
            [r["feature"], _f(r["wasserstein"]), _f(r["ks"]), _f(r["real_mean"]), _f(r["synth_mean"])]
            for r in marg["per_feature"]
        ]
        rows.append([_Raw("<b>mean</b>"), _f(marg["mean_wasserstein"]), _f(marg["mean_ks"]), "", ""])
        out.append(_table(["feature", "Wasserstein-1", "KS", "real mean", "synthetic mean"], rows))
    acf = stats.get("autocorrelation")
    if acf:
        out.append(
            f"<h3>Temporal dependence</h3><p>Mean absolute difference of the autocorrelation over lags "
            f"1..{acf['max_lag']}: <b>{_f(acf['mean_abs_diff'])}</b> (0 is identical; blank = undefined, "
            "e.g. a constant feature).</p>"
        )
        out.append(
            _table(
                ["feature", "mean |ΔACF|"],
                [[r["feature"], _f(r["mean_abs_diff"])] for r in acf["per_feature"]],
            )
        )
    cc = stats.get("cross_correlation")
    if cc and cc.get("mean_abs_diff") is not None:
        out.append(
            f"<h3>Feature correlations</h3><p>Mean absolute difference between the real and synthetic "
            f"correlation matrices: <b>{_f(cc['mean_abs_diff'])}</b> (max {_f(cc['max_abs_diff'])}, "
            f"Frobenius {_f(cc['frobenius'])}). Largest differences:</p>"
        )
        rows = [[f"{p['a']} × {p['b']}", _f(p["real"]), _f(p["synth"]), _f(p["abs_diff"])] for p in cc["worst_pairs"]]
        out.append(_table(["pair", "real", "synthetic", "|Δ|"], rows))
    lens = stats.get("lengths")
    if lens and lens.get("variable_length"):
        out.append("<h3>Sequence lengths</h3>")
        out.append(
            _table(
                ["", "real", "synthetic"],
                [
                    ["mean length", _f(lens["real_mean"]), _f(lens["synth_mean"])],
                    ["std", _f(lens["real_std"]), _f(lens["synth_std"])],
                ],
            )
        )
        out.append(
            f"<p>Wasserstein-1 {_f(lens['wasserstein_steps'])} steps "
            f"({_pct(lens['wasserstein_fraction'])} of the maximum length), KS {_f(lens['ks'])}.</p>"
        )
    out.append(_categories(stats.get("categories")))
    out.append(_missing(stats.get("missingness")))
    return "\n".join(p for p in out if p)


def _categories(cats: Mapping[str, Any] | None) -> str:
    if not cats:
        return ""
    out = [
        "<h3>Categorical columns</h3><p>Total variation distance between label frequencies "
        "(0 identical, 1 disjoint).</p>"
    ]
    out.append(
        _table(
            ["column", "TVD", "categories", "never generated", "only in synthetic"],
            [
                [
                    c,
                    _f(v["tvd"]),
                    str(v["n_categories"]),
                    ", ".join(v.get("never_generated", [])) or "–",
                    ", ".join(v.get("only_in_synth", [])) or "–",
                ]
                for c, v in cats.items()
            ],
        )
    )
    for col, v in cats.items():
        rows = [[label, _pct(v["real"][label]), _pct(v["synth"].get(label))] for label in v["real"]]
        if rows:
            out.append(f"<p><b>{_e(col)}</b></p>" + _table(["label", "real", "synthetic"], rows))
    return "\n".join(out)


def _missing(miss: Mapping[str, Any] | None) -> str:
    if not miss:
        return ""
    rows = [[c, _pct(v["real"]), _pct(v["synth"]), _pct(v["abs_diff"])] for c, v in miss.items()]
    return "<h3>Missing values</h3>" + _table(["column", "real", "synthetic", "|Δ|"], rows)


def _memorisation_section(memo: Mapping[str, Any] | None) -> str:
    if not memo:
        return ""
    source = "a separate hold-out set" if memo["holdout_given"] else f"{memo['n_holdout']} real sequences held out"
    qs = list(memo["synthetic_quantiles"])
    rows = [
        ["synthetic → training", *(_f(memo["synthetic_quantiles"][q], 4) for q in qs)],
        ["held-out real → training", *(_f(memo["holdout_quantiles"][q], 4) for q in qs)],
    ]
    out = [
        "<h2>Memorisation</h2>",
        f"<p>Distance (RMS per value, [0, 1] scale) from each sequence to its nearest training sequence, for "
        f"{memo['n_synthetic_checked']} synthetic sequences and {source}. Synthetic data should be no closer "
        f"than real data the model never saw. Exact copies: <b>{memo['n_exact_copies']}</b>; near copies "
        f"(≤ {_f(memo['near_tol'], 4)}): <b>{memo['n_near_copies']}</b>; held-out real sequences that close "
        f"(duplicates inherent in the data): {memo['holdout_near_copies']}.</p>",
        _table(["quantile", *(QUANTILE_LABELS.get(q, q) for q in qs)], rows),
    ]
    if memo["flagged"]:
        out.append(
            _table(
                ["synthetic #", "closest training #", "distance"],
                [[str(f["synthetic_index"]), str(f["training_index"]), _f(f["distance"], 6)] for f in memo["flagged"]],
            )
        )
    return "\n".join(out)


def _privacy_section(privacy: Mapping[str, Any] | None) -> str:
    if not privacy:
        return (
            "<h2>Privacy</h2><p>Not measured: pass <code>--holdout-data FILE</code> with real data the model never "
            "saw, or train with <code>--holdout</code> (the retrain gate measures it on its own held-out data).</p>"
        )
    verdict = "passed" if privacy["passed"] else "FAILED"
    tag = "good" if privacy["passed"] else "bad"
    rows = [
        [
            "share of synthetic sequences closer to a training record than to any hold-out one",
            _pct(privacy["share_closer_to_training"]),
            "~50%",
        ],
        [
            "median distance to the closest training record, synthetic ÷ hold-out (DCR ratio)",
            _f(privacy["dcr_ratio"]),
            "~1",
        ],
        ["exact copies of training sequences", str(privacy["n_exact_copies"]), "0"],
        ["near-exact copies", str(privacy["n_near_copies"]), "0"],
    ]
    return "\n".join(
        [
            "<h2>Privacy</h2>",
            f'<p><span class="tag {tag}">{verdict}</span> {_e(privacy["reason"])}. Distance to closest record '
            f"of {privacy['n_synthetic_checked']} synthetic sequences against {privacy['n_training']} training and "
            f"{privacy['n_validation']} hold-out sequences (as SDMetrics and synthcity report it).</p>",
            _table(["measure", "value", "unseen real data gives"], rows),
        ]
    )


def _training_section(training: Mapping[str, Any] | None) -> str:
    if not training:
        return ""
    rows = [
        [
            f"{phase} / {key}",
            str(v["points"]),
            _f(v["last"]),
            _f(v["tail_mean"]),
            _f(v.get("tail_gap_from_equilibrium")),
        ]
        for phase, keys in training["phases"].items()
        for key, v in keys.items()
    ]
    eq = training.get("equilibrium")
    note = f" Discriminator equilibrium: {_f(eq)}." if eq is not None else ""
    m_global = training.get("m_global")
    if m_global:
        note += (
            " BEGAN has no equilibrium value; its convergence measure M_global ended at "
            f"{_f(m_global['last'])} (tail mean {_f(m_global['tail_mean'])}; lower = closer to convergence)."
        )
    return (
        "<h2>Training</h2><p>Final losses (tail = mean over the last 10% of points)."
        + note
        + "</p>"
        + _table(["phase / loss", "points", "last", "tail mean", "tail − equilibrium"], rows)
    )


def _run_section(m: Mapping[str, Any]) -> str:
    proto = m.get("protocol") or {}
    timings = m.get("timings") or {}
    rows = [[k, str(v)] for k, v in proto.items()] + [[k, _f(v, 2)] for k, v in timings.items()]
    return "<h2>Run</h2>" + _table(["setting", "value"], rows)


def _data_line(m: Mapping[str, Any]) -> str:
    d = m.get("data")
    if not d:
        return ""
    var = ", variable length" if d.get("variable_length") else ""
    return (
        f'<p class="muted">{d["n_real"]} real vs {d["n_synth"]} synthetic sequences · '
        f"{d['seq_len']} steps · {d['n_features']} features{var}</p>"
    )


def _quick_banner(m: Mapping[str, Any]) -> str:
    p = m.get("protocol") or {}
    if not p.get("quick"):
        return ""
    return (
        f'<p class="banner"><b>Quick evaluation.</b> The post-hoc networks ran {p["disc_steps"]} '
        f"(discriminative) and {p['pred_steps']} (predictive) steps × {p['disc_repeats']}/{p['pred_repeats']}"
        " repeats instead of the paper's 2000/5000 × 5, so scores are indicative only and not comparable "
        "with published numbers.</p>"
    )


# --- formatting -------------------------------------------------------------------------------------------


class _Raw(str):
    """Markup we wrote ourselves; every other table cell is escaped."""


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{c if isinstance(c, _Raw) else _e(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _band(value: float, bands: tuple[tuple[float, str, str], ...]) -> tuple[str, str]:
    return next((tag, words) for limit, tag, words in bands if value <= limit)


def _f(value: Any, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _pct(value: Any) -> str:
    return "–" if value is None else f"{value:.1%}"


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)
