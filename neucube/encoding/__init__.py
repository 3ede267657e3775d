"""Spike encoders: turn real-valued trials into spike trains, and decode them back.

All encoders are scikit-learn transformers on ``(n_trials, n_channels, n_times)`` arrays that
learn per-channel thresholds from the training trials only:

- :class:`TBREncoder`: threshold-based representation (temporal contrast), spikes in {-1, 0, +1};
- :class:`StepForwardEncoder`: step-forward, spikes in {-1, 0, +1};
- :class:`MovingWindowEncoder`: moving-window, spikes in {-1, 0, +1};
- :class:`BSAEncoder`: Ben's Spiker Algorithm, spikes in {0, 1}.

:func:`snr`, :func:`rmse` and :func:`spike_rate` compare encoders, :func:`encoding_report`
describes one per channel; :func:`search_threshold`
picks per-channel thresholds by training SNR (what ``threshold="auto"`` does).
"""

from neucube.encoding._base import BaseSpikeEncoder, FlatChannelWarning
from neucube.encoding.bsa import BSAEncoder
from neucube.encoding.metrics import rmse, snr, spike_rate
from neucube.encoding.moving_window import MovingWindowEncoder
from neucube.encoding.report import EncodingReport, encoding_report
from neucube.encoding.search import search_threshold
from neucube.encoding.step_forward import StepForwardEncoder
from neucube.encoding.tbr import TBREncoder

__all__ = [
    "BaseSpikeEncoder",
    "BSAEncoder",
    "EncodingReport",
    "FlatChannelWarning",
    "MovingWindowEncoder",
    "StepForwardEncoder",
    "TBREncoder",
    "encoding_report",
    "rmse",
    "search_threshold",
    "snr",
    "spike_rate",
]
