"""A short human-readable summary of a run, for the terminal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["format_summary", "format_table"]


def format_table(header: list[str], rows: list[list[str]]) -> str:
    """A plain-text table with columns padded to their widest cell."""
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def _score(scores: Mapping[str, Any], metric: str) -> str:
    value = scores[metric]["mean"]
    return "-" if value is None or value != value else f"{value:.3f}"


def _classification(cls: Mapping[str, Any]) -> list[str]:
    def row(name: str, scores: Mapping[str, Any]) -> list[str]:
        acc = scores["accuracy"]
        return [name, f"{acc['mean']:.3f} ± {acc['std']:.3f}", _score(scores, "balanced_accuracy"),
                _score(scores, "roc_auc")]

    name = cls["model"]["name"]
    rows = [row("NeuCube" if name == "neucube" else f"NeuCube ({name})", cls["model"])]
    rows += [row(b, s) for b, s in cls["baselines"].items()]
    rows += [row(s["name"], s) for s in cls.get("ablations", {}).values()]
    rows += [row(c, s) for c, s in cls["control"].items()]
    lines = [f"Classification, {cls['scheme']} ({cls['n_folds']} folds, seeds {cls['seeds']}; "
             f"chance {cls['chance_level']:.2f}):",
             format_table(["model", "accuracy", "balanced acc.", "ROC-AUC"], rows)]
    for name, reason in cls.get("skipped", {}).items():
        lines.append(f"Skipped {name}: {reason}")
    lines += _comparisons(cls.get("comparisons", []))
    by_subject = cls["model"].get("accuracy_by_subject")
    if by_subject:
        lines.append("NeuCube accuracy by subject: "
                     + ", ".join(f"{s} {a:.2f}" for s, a in by_subject.items()))
    early = cls.get("early_prediction")
    if early:
        pairs = [
            f"{f:.0%} {a:.2f}" for f, a in zip(early["fractions"], early["accuracy"], strict=True)
        ]
        lines.append("Early prediction (share of the trial seen -> accuracy): " + ", ".join(pairs))
    imp = cls.get("importance")
    if imp:
        peak = imp["peak"]
        lines.append(f"What the model used ({imp['n_trials']} test trials): most important "
                     f"{peak['channel']} at {peak['window_s'][0]:.2f}-{peak['window_s'][1]:.2f} s; "
                     f"importance over channels peaks at {peak['peak_window_s'][0]:.2f}-"
                     f"{peak['peak_window_s'][1]:.2f} s; {imp['n_significant']} of "
                     f"{len(imp['ch_names']) * len(imp['windows_s'])} channel x window cells "
                     f"significant (FDR {imp['alpha']:g})")
    return lines


#: What a comparison of the model with an ablation measures, as the summary says it.
_SAYS = {"encoder_only": "cube adds {d} over its encoder",
         "no_stdp": "STDP adds {d} over the cube's initial weights"}
_METRIC_NAMES = {"accuracy": "accuracy", "balanced_accuracy": "balanced acc.", "roc_auc": "ROC-AUC"}


def _difference(c: Mapping[str, Any]) -> str:
    """``+0.021 [-0.010, +0.052]`` (the interval left out when undefined)."""
    d = c["mean_difference"]
    if d is None:
        return "n/a"
    ci = ("" if c["ci_low"] is None or c["ci_high"] is None
          else f" [{c['ci_low']:+.3f}, {c['ci_high']:+.3f}]")
    return f"{d:+.3f}{ci}"


def _comparisons(comparisons: list[Mapping[str, Any]]) -> list[str]:
    """One line per opponent: the paired difference in each metric, its interval and p-value."""
    if not comparisons:
        return []
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for c in comparisons:
        groups.setdefault((c["role"], c["other"]), []).append(c)
    conf = comparisons[0]["confidence"]
    lines = [f"Paired per fold (model minus other, mean [{conf:.0%} CI of the corrected resampled "
             "t-test], Wilcoxon signed-rank p):"]
    for (role, other), rows in groups.items():
        first = rows[0]
        text = " and ".join(
            _SAYS[first["control"]].format(d=f"{_difference(c)} {_METRIC_NAMES[c['metric']]}")
            if role == "ablation" and i == 0 else f"{_difference(c)} {_METRIC_NAMES[c['metric']]}"
            for i, c in enumerate(rows))
        if role != "ablation":
            text = f"NeuCube vs the best baseline ({other}): {text}"
        ps = ", ".join("n/a" if c["p_wilcoxon"] is None else f"{c['p_wilcoxon']:.2g}" for c in rows)
        lines.append(f"  {text} ({first['n_pairs']} folds; p {ps})")
    return lines


def format_summary(summary: Mapping[str, Any]) -> str:
    """Format ``summary.json`` content as a few lines and tables."""
    data = summary["data"]
    counts = ", ".join(f"{k} {v}" for k, v in data["class_counts"].items())
    subjects = "" if data["n_subjects"] is None else f" from {data['n_subjects']} subjects"
    lines = [
        f"Study '{summary['study']}' (seed {summary['seed']})",
        f"Trials: {data['n_trials']}{subjects} ({counts}); {data['n_channels']} channels at "
        f"{data['sfreq']:g} Hz, epochs {data['tmin']:.2f} to {data['tmax']:.2f} s",
    ]
    truth = data.get("ground_truth")
    if truth and "effect_size" in truth:
        window = truth.get("window_s") or truth.get("window")
        lines.append(
            f"Simulated effect: effect_size {truth.get('effect_size')}"
            + (f", window {window[0]:.2f}-{window[1]:.2f} s" if window else "")
        )
    enc = summary.get("encoding")
    if enc:
        rows = [
            [
                ("* " if kind == enc["primary"] else "  ") + kind,
                f"{v['mean_snr_db']:.1f}",
                f"{v['spike_rate']:.3f}",
                "  ".join(f"{c} {r:.3f}" for c, r in v["spike_rate_by_class"].items()),
            ]
            for kind, v in enc["encoders"].items()
        ]
        lines += ["", "Spike encoding (* = the study's encoder):",
                  format_table(["encoder", "SNR dB", "spike rate", "rate by class"], rows)]
    cls = summary.get("classification")
    if cls:
        for scheme in cls.get("schemes", {cls["scheme"]: cls}).values():
            lines += ["", *_classification(scheme)]
    search = summary.get("search")
    if search:
        lines += ["", f"Parameters chosen on all trials (inner {search['scoring']} "
                      f"{search['best_score']:.3f}): "
                  + ", ".join(f"{k} = {v}" for k, v in search["best_params"].items())]
    figs = summary.get("figures")
    if figs:
        lines += ["", f"Figures: {figs['n_figures']} (see {figs['manifest']})"]
        for w in figs.get("windows", []):
            a, b = w["contrast"]
            ca, cb = w["classes"][a], w["classes"][b]
            lines.append(
                f"  {w['window_s'][0] * 1000:.0f}-{w['window_s'][1] * 1000:.0f} ms: "
                "interaction per trial "
                f"{a} {ca['interaction_per_trial']:.3g}, {b} {cb['interaction_per_trial']:.3g}; "
                f"neurons firing more for {a}: {w['neurons_more_active'][a]}, for {b}: "
                f"{w['neurons_more_active'][b]}"
            )
    times = summary.get("stage_times_s", {})
    detail = ", ".join(f"{k} {v:.1f} s" for k, v in times.items())
    lines.append(
        f"\nStages run: {', '.join(summary['stages_done'])} in {summary['wall_time_s']:.1f} s"
        + (f" ({detail})" if detail else "")
    )
    return "\n".join(lines)
