"""Simulated periperceptual familiarity EEG: the built-in default study, with a known ground truth.

The recordings of the familiarity paradigm (Doborjeh et al. 2018, Sci Rep 8:8912: EEG while people
view familiar and unfamiliar logos/faces) are not public. :func:`simulate_familiarity` generates a
realistic stand-in whose class difference is known exactly, so later stages (encoders, cube,
readouts, connectivity figures) can be checked against the truth.

Generative model (all amplitudes in microvolts, ``metadata["unit"] == "uV"``)
------------------------------------------------------------------------------
Each trial of each channel is ``background + common ERP + familiarity effect``.

Background EEG, per channel a stationary Gaussian process with standard deviation
``noise_uv * noise_gain`` (``noise_gain`` is the subject's background scale, mean 1), made of
three independent parts whose variance shares sum to one at every channel:

- aperiodic ("1/f") activity: white noise shaped in the frequency domain by
  ``P(f) = 1 / (1 + (f / 1 Hz) ** chi)`` (``chi`` is the subject's aperiodic exponent, 1.2-1.8),
  no DC, and a 4th-order Butterworth-like roll-off at 45 Hz (the amplifier's low-pass);
- alpha: a Gaussian spectral peak at the subject's alpha frequency (about 10 Hz, bandwidth 1 Hz),
  strongest over posterior sites (its variance share falls from the subject's ``alpha_share`` at
  POz to 15 % of that far away);
- sensor noise: white, uncorrelated across channels, 2 % of the variance (about 1.4 uV at the
  default ``noise_uv``).

The aperiodic and alpha parts are spatially correlated by volume conduction and the common
reference, modelled as the correlation ``exp(-d_ij**2 / (2 s**2))`` between electrodes ``d_ij`` mm
apart (``s`` = 100 mm for aperiodic, 110 mm for alpha) and applied with the symmetric square root
of that matrix. With ``s`` = 100 mm this follows the distance-correlation curve of a real
mastoid-referenced 1-40 Hz recording (EEGLAB's visual attention tutorial data: about 0.9 at
35 mm, 0.77 at 65 mm, 0.6 at 100 mm and 0.3 at 160 mm). Noise is
generated on a padded segment (at least 2 s) with one FFT per subject, then cropped, so it is
neither circular within the epoch nor limited by the epoch's frequency resolution.

Common visual ERP (both classes), Gaussian waveforms with Gaussian scalp topographies centred on
the MNI positions of reference electrodes (see :data:`ERP_COMPONENTS`): P1 (+4 uV, 100 ms, O1/O2),
N170 (-6 uV, 170 ms, P8 > P7), the vertex positive potential (+3 uV, 175 ms, Cz) and a P300-like
parietal positivity (+6 uV, 380 ms, Pz). Every trial draws each component's amplitude factor
(lognormal, mean 1, sd of log 0.3) and latency jitter (Gaussian, 8-35 ms, later components jitter
more). Every subject has an ERP amplitude gain (lognormal, mean 1) and a latency shift common to
all its components (Gaussian, sd 12 ms, clipped at +/-30 ms).

Familiarity effect (familiar trials only), consistent with the earlier and more widespread
frontal/parietal differences for familiar stimuli around 200-400 ms (Doborjeh et al. 2018; the
FN400 and parietal old/new effects of the recognition-memory literature): two additive
positivities, see :data:`FAMILIARITY_COMPONENTS`,

- a frontal FN400-like positivity centred on Fz (F3/F4 at 0.7), 270 ms, width (sd) 45 ms,
  jitter 20 ms, broad (60 mm) topography;
- a parietal positivity centred on Pz (P3/P4 at 0.7), 350 ms, width 50 ms, jitter 30 ms,
  relative amplitude 0.8.

``effect_size`` is a Cohen's d at the peak: the largest expected class difference (familiar minus
unfamiliar) over channels and time, for a subject with unit gains, divided by the single-trial
background standard deviation ``noise_uv``. It is exact for the expectation: the trial amplitude
factors have mean 1 and the attenuation of the average by latency jitter is compensated
analytically. The observed d is slightly smaller because the ERP's own trial-to-trial
variability adds to the background variance, and it varies between subjects with their gains.
``effect_size = 0`` makes the two classes identically distributed. The random draws never depend on
``effect_size``, so for one seed the unfamiliar trials are identical at every effect size and the
familiar trials differ only by the effect.

The ground truth is stored in ``TrialSet.metadata["ground_truth"]`` (JSON-serialisable), computed
for the montage actually simulated: ``peak_channel`` and ``peak_time_s`` of the expected
difference; ``affected_channels``, whose expected peak difference is at least half the overall
peak; ``window_s``, the interval in which some channel's expected difference is at least half the
peak; ``expected_peak_difference_uv`` per channel; the component tables; and each subject's
parameters including its own ``expected_peak_d``. For the default 19-channel montage: peak at Fz
at 271 ms, affected Fp1, Fp2, F3, Fz, F4, Cz, P3, Pz, P4, window 0.213-0.401 s. Times are those of
a subject without latency shift.
"""

from __future__ import annotations

import logging
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import fft as sp_fft

from data_loaders._verbose import verbosity
from neucube._validation import check_int, check_number
from neucube.data import TrialSet

__all__ = [
    "simulate_familiarity",
    "DEFAULT_CH_NAMES",
    "CLASS_NAMES",
    "ERP_COMPONENTS",
    "FAMILIARITY_COMPONENTS",
]

logger = logging.getLogger(__name__)

_OWNER = "simulate_familiarity"

#: The 19 classic 10-20 sites (modern 10-10 names T7/T8/P7/P8 for T3/T4/T5/T6).
DEFAULT_CH_NAMES: tuple[str, ...] = (
    "Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "T7", "C3", "Cz",
    "C4", "T8", "P7", "P3", "Pz", "P4", "P8", "O1", "O2",
)  # fmt: skip

#: Class names in code order (``y == 0`` is familiar).
CLASS_NAMES: tuple[str, str] = ("familiar", "unfamiliar")

#: Common visual ERP components. ``centres`` maps reference electrodes (whose MNI positions are
#: the centres of the Gaussian topography) to weights; the topography is normalised so that its
#: largest value over the centres is 1, so ``amplitude_uv`` is the peak amplitude at the strongest
#: centre for a subject with unit gain. ``latency_s`` is the peak time, ``width_s`` the waveform's
#: Gaussian sd, ``jitter_s`` the sd of the trial-to-trial latency jitter.
ERP_COMPONENTS: tuple[dict[str, Any], ...] = (
    dict(name="P1", centres={"O1": 1.0, "O2": 1.0}, spread_mm=40.0, latency_s=0.100,
         width_s=0.015, jitter_s=0.008, amplitude_uv=4.0),
    dict(name="N170", centres={"P7": 0.85, "P8": 1.0}, spread_mm=35.0, latency_s=0.170,
         width_s=0.018, jitter_s=0.010, amplitude_uv=-6.0),
    dict(name="VPP", centres={"Cz": 1.0}, spread_mm=50.0, latency_s=0.175,
         width_s=0.020, jitter_s=0.010, amplitude_uv=3.0),
    dict(name="P300", centres={"Pz": 1.0}, spread_mm=55.0, latency_s=0.380,
         width_s=0.070, jitter_s=0.035, amplitude_uv=6.0),
)  # fmt: skip

#: Familiarity effect: positivities added to familiar trials only. ``relative_amplitude`` sets
#: their ratio; the overall scale follows from ``effect_size`` (see the module docstring).
FAMILIARITY_COMPONENTS: tuple[dict[str, Any], ...] = (
    dict(name="frontal familiarity positivity (FN400-like)",
         centres={"Fz": 1.0, "F3": 0.7, "F4": 0.7}, spread_mm=60.0, latency_s=0.270,
         width_s=0.045, jitter_s=0.020, relative_amplitude=1.0),
    dict(name="parietal familiarity positivity (old/new, P300 enhancement)",
         centres={"Pz": 1.0, "P3": 0.7, "P4": 0.7}, spread_mm=60.0, latency_s=0.350,
         width_s=0.050, jitter_s=0.030, relative_amplitude=0.8),
)  # fmt: skip

# Background model constants (see the module docstring).
_APERIODIC_KNEE_HZ = 1.0
_EXPONENT_RANGE = (1.2, 1.8)
_LOWPASS_HZ = 45.0
_ALPHA_FREQ_MEAN_HZ, _ALPHA_FREQ_SD_HZ, _ALPHA_FREQ_RANGE = 10.0, 0.8, (8.0, 12.5)
_ALPHA_BANDWIDTH_HZ = 1.0
_ALPHA_SHARE_RANGE = (0.3, 0.55)  # alpha's share of background variance at the posterior centre
_ALPHA_CENTRE, _ALPHA_SPREAD_MM, _ALPHA_FLOOR = "POz", 60.0, 0.15
_SENSOR_SHARE = 0.02
_CORR_LENGTH_MM = {"aperiodic": 100.0, "alpha": 110.0}
# Subject and trial variability.
_ERP_GAIN_LOG_SD, _NOISE_GAIN_LOG_SD = 0.25, 0.15
_LATENCY_SHIFT_SD_S = 0.012
_LATENCY_SHIFT_RANGE_S = (-0.03, 0.03)
_TRIAL_AMPLITUDE_LOG_SD = 0.3
# Share of the peak class difference that marks a channel or time as affected.
_AFFECTED_FRACTION = 0.5


def _check_seed(seed: Any) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, np.random.Generator):
        # A generator cannot be spawned reproducibly; draw the root entropy from it instead.
        return np.random.SeedSequence(int(seed.integers(2**63)))
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"The 'seed' parameter of {_OWNER} must be None, a non-negative int, a "
            f"numpy.random.SeedSequence or a numpy.random.Generator; got {seed!r}."
        )
    return np.random.SeedSequence(check_int("seed", seed, low=0, owner=_OWNER))


def _check_ch_names(ch_names: Any) -> tuple[str, ...]:
    if ch_names is None:
        return DEFAULT_CH_NAMES
    if isinstance(ch_names, str) or not isinstance(ch_names, Sequence | np.ndarray):
        raise TypeError(
            f"The 'ch_names' parameter of {_OWNER} must be None or a sequence of channel names "
            f"(str); got {ch_names!r}."
        )
    names = tuple(ch_names)
    bad = [c for c in names if not isinstance(c, str | np.str_)]
    if bad:
        raise TypeError(
            f"The 'ch_names' parameter of {_OWNER} must contain only str; got {bad[0]!r}."
        )
    if not names:
        raise ValueError(
            f"The 'ch_names' parameter of {_OWNER} must name at least one channel; got []."
        )
    dup = sorted({c for c in names if names.count(c) > 1})
    if dup:
        raise ValueError(
            f"The 'ch_names' parameter of {_OWNER} must hold unique names; got duplicates {dup}."
        )
    return tuple(str(c) for c in names)


def _positions(names: Sequence[str]) -> np.ndarray:
    # Imported here so this module can be imported (and its constants read) on its own.
    from data_loaders.coordinates import channel_positions

    return np.asarray(channel_positions(list(names), space="mni"), dtype=np.float64)


def _topographies(
    components: Sequence[dict[str, Any]], coords: np.ndarray
) -> np.ndarray:
    """Gaussian scalp maps, shape ``(n_components, n_channels)``, peak 1 over each map's centres."""
    ref_names = sorted({name for comp in components for name in comp["centres"]})
    ref_pos = dict(zip(ref_names, _positions(ref_names), strict=True))
    maps = []
    for comp in components:
        centres = np.array([ref_pos[n] for n in comp["centres"]])  # (n_centres, 3)
        weights = np.array(list(comp["centres"].values()))

        def field(points: np.ndarray, comp=comp, centres=centres, weights=weights) -> np.ndarray:
            d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
            return np.exp(-d2 / (2.0 * comp["spread_mm"] ** 2)) @ weights

        maps.append(field(coords) / field(centres).max())
    return np.array(maps)


def _sqrt_correlation(coords: np.ndarray, length_mm: float) -> np.ndarray:
    """Symmetric square root of ``exp(-d**2 / (2 length**2))``: mixing to unit-variance channels."""
    dist2 = ((coords[:, None, :] - coords[None, :, :]) ** 2).sum(-1)
    evals, evecs = np.linalg.eigh(np.exp(-dist2 / (2.0 * length_mm**2)))
    root = (evecs * np.sqrt(np.clip(evals, 0.0, None))) @ evecs.T
    # The Gaussian kernel is positive definite but ill-conditioned (and singular for coincident
    # electrodes): clip round-off negatives, then renormalise rows to exactly unit variance.
    return root / np.linalg.norm(root, axis=1, keepdims=True)


def _unit_variance_filter(gain: np.ndarray, n_fft: int) -> np.ndarray:
    """Scale an rfft amplitude response so filtered unit white noise has unit variance."""
    power = gain**2
    full = 2.0 * power.sum() - power[0] - (power[-1] if n_fft % 2 == 0 else 0.0)
    return gain / np.sqrt(full / n_fft)


def _expected_effect(times: np.ndarray, topo: np.ndarray) -> np.ndarray:
    """Expected familiar-minus-unfamiliar difference before scaling, shape (n_channels, n_times).

    Averaging a Gaussian of sd ``w`` over Gaussian latency jitter of sd ``j`` gives a Gaussian of
    sd ``sqrt(w**2 + j**2)`` with peak ``w / sqrt(w**2 + j**2)``: that is what the mean shows.
    """
    out = np.zeros((topo.shape[1], times.size))
    for comp, tmap in zip(FAMILIARITY_COMPONENTS, topo, strict=True):
        sd = np.hypot(comp["width_s"], comp["jitter_s"])
        wave = comp["relative_amplitude"] * comp["width_s"] / sd
        wave = wave * np.exp(-0.5 * ((times - comp["latency_s"]) / sd) ** 2)
        out += tmap[:, None] * wave[None, :]
    return out


def _half_max_window(curve: np.ndarray, times: np.ndarray, fraction: float) -> list[float]:
    """First and last time at which ``curve`` reaches ``fraction`` of its maximum."""
    above = np.flatnonzero(curve >= fraction * curve.max())
    return [round(float(times[above[0]]), 4), round(float(times[above[-1]]), 4)]


def _simulate_subject(
    rng: np.random.Generator,
    *,
    n_per_class: int,
    times: np.ndarray,
    sfreq: float,
    noise_uv: float,
    effect_uv: float,
    erp_topo: np.ndarray,
    effect_topo: np.ndarray,
    mixing: dict[str, np.ndarray],
    alpha_weight: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """One subject's trials ``(2 * n_per_class, n_channels, n_times)``, labels and parameters.

    The order and number of random draws depend only on the shapes, never on ``effect_uv``.
    """
    n_trials, n_channels, n_times = 2 * n_per_class, erp_topo.shape[1], times.size

    # Subject level.
    erp_gain = float(np.exp(rng.normal(-0.5 * _ERP_GAIN_LOG_SD**2, _ERP_GAIN_LOG_SD)))
    noise_gain = float(np.exp(rng.normal(-0.5 * _NOISE_GAIN_LOG_SD**2, _NOISE_GAIN_LOG_SD)))
    # Clipped at 2.5 sd so no subject's components leave their literature ranges.
    latency_shift = float(np.clip(rng.normal(0.0, _LATENCY_SHIFT_SD_S), *_LATENCY_SHIFT_RANGE_S))
    alpha_freq = float(
        np.clip(rng.normal(_ALPHA_FREQ_MEAN_HZ, _ALPHA_FREQ_SD_HZ), *_ALPHA_FREQ_RANGE)
    )
    alpha_share = float(rng.uniform(*_ALPHA_SHARE_RANGE))
    exponent = float(rng.uniform(*_EXPONENT_RANGE))
    # Randomised presentation order, as in the experiment.
    y = rng.permutation(np.repeat(np.arange(2), n_per_class))

    # Trial-level ERP variability, common and familiarity components stacked.
    comps = ERP_COMPONENTS + FAMILIARITY_COMPONENTS
    n_comp = len(comps)
    amp_factor = np.exp(
        rng.normal(-0.5 * _TRIAL_AMPLITUDE_LOG_SD**2, _TRIAL_AMPLITUDE_LOG_SD, (n_comp, n_trials))
    )
    jitter_sd = np.array([c["jitter_s"] for c in comps])[:, None]
    jitter = rng.standard_normal((n_comp, n_trials)) * jitter_sd
    latency = np.array([c["latency_s"] for c in comps])[:, None] + latency_shift + jitter
    width = np.array([c["width_s"] for c in comps])[:, None, None]
    is_familiar = (y == 0).astype(float)
    peak = np.concatenate(
        [
            np.array([c["amplitude_uv"] for c in ERP_COMPONENTS])[:, None] * np.ones(n_trials),
            np.array([c["relative_amplitude"] for c in FAMILIARITY_COMPONENTS])[:, None]
            * effect_uv
            * is_familiar,
        ]
    )
    waves = (erp_gain * peak * amp_factor)[:, :, None] * np.exp(
        -0.5 * ((times[None, None, :] - latency[:, :, None]) / width) ** 2
    )  # (n_comp, n_trials, n_times)
    signal = np.einsum("knt,kc->nct", waves, np.vstack([erp_topo, effect_topo]))

    # Background: FFT-shaped noise on a padded segment, cropped, then spatially mixed.
    n_fft = sp_fft.next_fast_len(max(2 * n_times, int(np.ceil(2.0 * sfreq))), real=True)
    freqs = sp_fft.rfftfreq(n_fft, 1.0 / sfreq)
    lowpass = 1.0 / np.sqrt(1.0 + (freqs / _LOWPASS_HZ) ** 8)
    aperiodic_gain = lowpass / np.sqrt(1.0 + (freqs / _APERIODIC_KNEE_HZ) ** exponent)
    aperiodic_gain[0] = 0.0  # no DC offset
    alpha_gain = np.exp(-((freqs - alpha_freq) ** 2) / (4.0 * _ALPHA_BANDWIDTH_HZ**2))
    gains = np.stack(
        [_unit_variance_filter(aperiodic_gain, n_fft), _unit_variance_filter(alpha_gain, n_fft)]
    )
    white = rng.standard_normal((2, n_trials, n_channels, n_fft))
    start = (n_fft - n_times) // 2
    shaped = sp_fft.irfft(sp_fft.rfft(white, axis=-1) * gains[:, None, None, :], n=n_fft, axis=-1)
    shaped = shaped[..., start : start + n_times]
    aperiodic = np.einsum("cd,ndt->nct", mixing["aperiodic"], shaped[0])
    alpha = np.einsum("cd,ndt->nct", mixing["alpha"], shaped[1])
    sensor = rng.standard_normal((n_trials, n_channels, n_times))
    share_alpha = alpha_share * alpha_weight  # per channel
    share_aperiodic = 1.0 - share_alpha - _SENSOR_SHARE
    background = (
        np.sqrt(share_aperiodic)[:, None] * aperiodic
        + np.sqrt(share_alpha)[:, None] * alpha
        + np.sqrt(_SENSOR_SHARE) * sensor
    )
    X = signal + (noise_uv * noise_gain) * background

    params = dict(
        erp_gain=round(erp_gain, 6),
        noise_gain=round(noise_gain, 6),
        latency_shift_s=round(latency_shift, 6),
        alpha_freq_hz=round(alpha_freq, 4),
        alpha_share=round(alpha_share, 4),
        aperiodic_exponent=round(exponent, 4),
    )
    return X, y, params


def simulate_familiarity(
    n_subjects: int = 5,
    effect_size: float = 1.0,
    seed: int | np.random.SeedSequence | np.random.Generator | None = 0,
    *,
    n_trials_per_class: int = 40,
    sfreq: float = 128.0,
    tmin: float = -0.1,
    tmax: float = 0.8,
    ch_names: Sequence[str] | None = None,
    noise_uv: float = 10.0,
    verbose: bool | str | int | None = None,
) -> TrialSet:
    """Simulate EEG epochs of the periperceptual familiarity paradigm with a known class difference.

    See the module docstring for the full generative model and the ground truth it records.

    Parameters
    ----------
    n_subjects : int
        Number of simulated subjects, each with its own ERP gain, latency shift, background scale,
        alpha frequency and aperiodic exponent. Subjects come from independent child streams of
        the seed, so the first 3 of ``n_subjects=5`` equal ``n_subjects=3``.
    effect_size : float
        Peak familiar-minus-unfamiliar difference of the expected ERP, over channels and time, in
        units of the single-trial background standard deviation ``noise_uv`` (a Cohen's d at the
        peak, for a subject with unit gains). ``0`` makes the classes identically distributed.
    seed : int, numpy.random.SeedSequence, numpy.random.Generator or None
        Root of all randomness. ``None`` draws fresh entropy (recorded in
        ``metadata["simulator"]["seed"]``); a ``Generator`` gives one draw that becomes the root.
    n_trials_per_class : int
        Trials per class per subject, presented in random order.
    sfreq : float
        Sampling frequency in Hz, at least 64.
    tmin, tmax : float
        Epoch window in seconds around stimulus onset. As in MNE's ``Epochs`` they are rounded to
        the nearest sample so that time 0 falls on a sample.
    ch_names : sequence of str, optional
        10-20/10-10/10-05 channel names; defaults to :data:`DEFAULT_CH_NAMES` (19 sites).
        Coordinates come from :func:`data_loaders.coordinates.channel_positions` in MNI mm.
    noise_uv : float
        Standard deviation of the single-trial background EEG at every channel, in microvolts,
        for a subject with unit background gain.
    verbose : bool, str, int or None
        Logging level for this call (``True`` is INFO); ``None`` leaves the logger as configured.

    Returns
    -------
    TrialSet
        ``X`` in microvolts, shape ``(n_subjects * 2 * n_trials_per_class, n_channels, n_times)``,
        subjects in order and trials shuffled within each; ``class_names`` ``("familiar",
        "unfamiliar")``; per-trial ``subject`` ids ``"sub-01"``…; coordinates in MNI mm;
        ``metadata`` with ``"unit"`` (``"uV"``), ``"source"``, ``"simulator"`` (the arguments and
        seed) and ``"ground_truth"`` (effect size, peak channel and time, affected channels,
        effect window, expected difference per channel, component table, per-subject
        parameters).

    Raises
    ------
    TypeError, ValueError
        When a parameter has the wrong type or is out of range; the message names it.

    Examples
    --------
    >>> from data_loaders.simulate import simulate_familiarity
    >>> ts = simulate_familiarity(n_subjects=2, n_trials_per_class=5, seed=1)
    >>> ts.n_trials, ts.n_channels, ts.class_names
    (20, 19, ('familiar', 'unfamiliar'))
    """
    n_subjects = check_int("n_subjects", n_subjects, low=1, high=1000, owner=_OWNER)
    effect_size = check_number("effect_size", effect_size, low=0.0, high=20.0, owner=_OWNER)
    n_per_class = check_int("n_trials_per_class", n_trials_per_class, low=1, owner=_OWNER)
    sfreq = check_number("sfreq", sfreq, low=64.0, high=10000.0, owner=_OWNER)
    tmin = check_number("tmin", tmin, low=-5.0, high=5.0, owner=_OWNER)
    tmax = check_number("tmax", tmax, low=-5.0, high=10.0, owner=_OWNER)
    noise_uv = check_number("noise_uv", noise_uv, low=0.0, low_inclusive=False, owner=_OWNER)
    first, last = round(tmin * sfreq), round(tmax * sfreq)
    if last - first < 1:
        raise ValueError(
            f"The 'tmax' parameter of {_OWNER} must be at least one sample (1/sfreq = "
            f"{1 / sfreq:g} s) after 'tmin'; got tmin={tmin!r}, tmax={tmax!r}."
        )
    names = _check_ch_names(ch_names)
    root = _check_seed(seed)

    with verbosity(verbose, owner=_OWNER):
        coords = _positions(names)
        times = np.arange(first, last + 1) / sfreq
        erp_topo = _topographies(ERP_COMPONENTS, coords)
        effect_topo = _topographies(FAMILIARITY_COMPONENTS, coords)
        centre = _positions([_ALPHA_CENTRE])[0]
        d2 = ((coords - centre) ** 2).sum(-1)
        alpha_weight = _ALPHA_FLOOR + (1 - _ALPHA_FLOOR) * np.exp(-d2 / (2 * _ALPHA_SPREAD_MM**2))
        mixing = {k: _sqrt_correlation(coords, v) for k, v in _CORR_LENGTH_MM.items()}

        # Scale the effect so the expected peak difference is effect_size * noise_uv, judged on a
        # fine time grid (independent of sfreq) over this montage's channels.
        fine = np.arange(0.0, 1.0, 0.0005)
        shape = _expected_effect(fine, effect_topo)
        peak_value = float(np.abs(shape).max())
        effect_uv = effect_size * noise_uv / peak_value
        peak_ch, peak_t = np.unravel_index(np.abs(shape).argmax(), shape.shape)
        per_channel = np.abs(shape).max(axis=1) / peak_value
        affected = [n for n, v in zip(names, per_channel, strict=True) if v >= _AFFECTED_FRACTION]

        Xs, ys, subjects, subject_params = [], [], [], []
        for k, child in enumerate(root.spawn(n_subjects)):
            X_k, y_k, params = _simulate_subject(
                np.random.default_rng(child),
                n_per_class=n_per_class,
                times=times,
                sfreq=sfreq,
                noise_uv=noise_uv,
                effect_uv=effect_uv,
                erp_topo=erp_topo,
                effect_topo=effect_topo,
                mixing=mixing,
                alpha_weight=alpha_weight,
            )
            sid = f"sub-{k + 1:02d}"
            Xs.append(X_k)
            ys.append(y_k)
            subjects.append(np.full(y_k.size, sid))
            # Cohen's d at the peak for this subject (background only), as effect_size is defined.
            params["expected_peak_d"] = round(
                effect_size * params["erp_gain"] / params["noise_gain"], 6
            )
            subject_params.append({"subject": sid, **params})
            logger.debug("Simulated %s: %s", sid, params)

    def table(components: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**c, "centres": dict(c["centres"])} for c in components]

    ground_truth = {
        "effect_size": effect_size,
        "effect_size_definition": (
            "peak over channels and time of the expected familiar-minus-unfamiliar difference, "
            "for a subject with unit gains, divided by the single-trial background SD noise_uv "
            "(Cohen's d at the peak)"
        ),
        "direction": "familiar > unfamiliar (positive difference)",
        "peak_difference_uv": round(effect_size * noise_uv, 6),
        "peak_channel": names[peak_ch],
        "peak_time_s": round(float(fine[peak_t]), 4),
        "affected_channels": affected,
        "affected_fraction": _AFFECTED_FRACTION,
        "window_s": _half_max_window(np.abs(shape).max(axis=0), fine, _AFFECTED_FRACTION),
        "nominal_window_s": [0.2, 0.4],
        "expected_peak_difference_uv": {
            n: round(float(v * effect_size * noise_uv), 6)
            for n, v in zip(names, per_channel, strict=True)
        },
        "effect_scale_uv": round(effect_uv, 6),
        "familiarity_components": table(FAMILIARITY_COMPONENTS),
        "erp_components": table(ERP_COMPONENTS),
        "subjects": subject_params,
        "background": {
            "noise_uv": noise_uv,
            "aperiodic": f"1/(1+(f/{_APERIODIC_KNEE_HZ:g} Hz)^chi), chi in {list(_EXPONENT_RANGE)}",
            "lowpass_hz": _LOWPASS_HZ,
            "alpha": (
                f"Gaussian peak, bandwidth {_ALPHA_BANDWIDTH_HZ:g} Hz, centred on {_ALPHA_CENTRE} "
                f"(spread {_ALPHA_SPREAD_MM:g} mm, floor {_ALPHA_FLOOR:g})"
            ),
            "sensor_noise_share": _SENSOR_SHARE,
            "correlation_length_mm": dict(_CORR_LENGTH_MM),
        },
    }
    simulator = {
        "n_subjects": n_subjects,
        "effect_size": effect_size,
        "seed": int(root.entropy) if isinstance(root.entropy, numbers.Integral) else None,
        "n_trials_per_class": n_per_class,
        "sfreq": sfreq,
        "tmin": float(times[0]),
        "tmax": float(times[-1]),
        "noise_uv": noise_uv,
    }
    ts = TrialSet(
        np.concatenate(Xs),
        np.concatenate(ys),
        sfreq=sfreq,
        ch_names=names,
        coords=coords,
        space="mni",
        class_names=CLASS_NAMES,
        tmin=float(times[0]),
        subject=np.concatenate(subjects),
        metadata={
            "unit": "uV",
            "source": "simulate",
            "paradigm": "periperceptual familiarity (Doborjeh et al. 2018, Sci Rep 8:8912)",
            "simulator": simulator,
            "ground_truth": ground_truth,
        },
    )
    with verbosity(verbose, owner=_OWNER):
        logger.info(
            "Simulated %d subjects x %d trials per class, %d channels, %d samples at %g Hz; "
            "effect size %g (peak %s at %.3f s).",
            n_subjects, n_per_class, len(names), times.size, sfreq, effect_size,
            ground_truth["peak_channel"], ground_truth["peak_time_s"],
        )  # fmt: skip
    return ts
