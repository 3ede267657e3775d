"""A short human-readable summary of a run, for the terminal."""

from __future__ import annotations

from typing import Any

__all__ = ["format_summary"]


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True))  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def format_summary(summary: dict[str, Any]) -> str:
    """Format ``summary.json`` content as a few lines and a table."""
    data = summary["data"]
    counts = ", ".join(f"{k} {v}" for k, v in data["class_counts"].items())
    subjects = "" if data["n_subjects"] is None else f" from {data['n_subjects']} subjects"
    lines = [
        f"Study '{summary['study']}' (seed {summary['seed']})",
        f"Trials: {data['n_trials']}{subjects} ({counts}); {data['n_channels']} channels at "
        f"{data['sfreq']:g} Hz, epochs {data['tmin']:.2f} to {data['tmax']:.2f} s",
    ]
    truth = data.get("ground_truth")
    if truth:
        window = truth.get("window_s") or truth.get("window")
        lines.append(
            f"Simulated effect: effect_size {truth.get('effect_size')}"
            + (f", window {window[0]:.2f}-{window[1]:.2f} s" if window else "")
        )
    enc = summary["encoding"]
    rows = [
        [
            ("* " if kind == enc["primary"] else "  ") + kind,
            f"{v['mean_snr_db']:.1f}",
            f"{v['spike_rate']:.3f}",
            "  ".join(f"{c} {r:.3f}" for c, r in v["spike_rate_by_class"].items()),
        ]
        for kind, v in enc["encoders"].items()
    ]
    lines += ["", "Spike encoding (* = the study's encoder):", _table(
        ["encoder", "SNR dB", "spike rate", "rate by class"], rows
    )]
    cls = summary.get("classification")
    if cls:
        def row(name: str, scores: dict) -> list[str]:
            acc = scores["accuracy"]
            return [name, f"{acc['mean']:.3f} ± {acc['std']:.3f}",
                    f"{scores['balanced_accuracy']['mean']:.3f}",
                    "-" if scores["roc_auc"]["mean"] != scores["roc_auc"]["mean"] else f"{scores['roc_auc']['mean']:.3f}"]

        rows = [row(f"NeuCube ({cls['model']['name']})" if cls["model"]["name"] != "neucube" else "NeuCube", cls["model"])]
        rows += [row(name, s) for name, s in cls["baselines"].items()]
        rows += [row(name, s) for name, s in cls["control"].items()]
        lines += ["", f"Classification ({cls['scheme']}, {cls['n_folds']} folds, seeds {cls['seeds']}; "
                      f"chance {cls['chance_level']:.2f}):",
                  _table(["model", "accuracy", "balanced acc.", "ROC-AUC"], rows)]
    lines.append(f"\nStages run: {', '.join(summary['stages_done'])} in {summary['wall_time_s']:.1f} s")
    return "\n".join(lines)
