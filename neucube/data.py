"""The trial data model: one validated container that every loader returns and every model consumes.

A :class:`TrialSet` holds epoched, labelled recordings, ``X`` of shape
``(n_trials, n_channels, n_times)``, together with what is needed to interpret them: sampling
rate, channel names, 3-D channel (or voxel) coordinates in millimetres with their space, class
names, optional per-trial subject/session/run ids and free metadata.

It is immutable: arrays are exposed read-only and every selection returns a new ``TrialSet``
that shares memory with the original where NumPy allows.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from neucube.spaces import convert_coords

__all__ = ["TrialSet", "SPACES"]

#: Coordinate spaces a ``TrialSet`` may declare. ``"native"`` is a scanner's own space (fMRI
#: images that were not normalised); ``"grid"`` is an abstract lattice for non-brain data.
SPACES = ("mni", "talairach", "grid", "native")


def _err(field: str, expected: str, found: str) -> ValueError:
    return ValueError(f"TrialSet field {field!r}: expected {expected}; found {found}.")


def _describe(a: np.ndarray) -> str:
    return f"an array of shape {a.shape} and dtype {a.dtype}"


def _readonly(a: np.ndarray) -> np.ndarray:
    view = a.view()
    view.setflags(write=False)
    return view


def _as_str_ids(field: str, values: Any, n_trials: int) -> np.ndarray | None:
    if values is None:
        return None
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.shape[0] != n_trials:
        raise _err(field, f"one id per trial, shape ({n_trials},)", f"shape {arr.shape}")
    return _readonly(arr.astype(str))


class TrialSet:
    """Labelled trials of multichannel recordings with 3-D channel coordinates.

    Parameters
    ----------
    X : array-like of shape (n_trials, n_channels, n_times)
        Real-valued, finite samples. Integer input is converted to float64; float32 is kept.
    y : array-like of shape (n_trials,)
        Class of each trial, either as names (``"familiar"``) or as integer codes into
        ``class_names``.
    sfreq : float
        Sampling frequency in Hz.
    ch_names : sequence of str, length n_channels
        Unique channel (or voxel/feature) names.
    coords : array-like of shape (n_channels, 3), optional
        Position of each channel in millimetres. Requires ``space``.
    space : {"mni", "talairach", "grid", "native"}, optional
        The space of ``coords``.
    class_names : sequence of str, optional
        Names of the classes, in code order. Inferred (sorted) from ``y`` when ``y`` holds names;
        required when ``y`` holds integer codes and you want names other than ``"0"``, ``"1"``…
    tmin : float
        Time of the first sample relative to the trial's event, in seconds.
    subject, session, run : array-like of shape (n_trials,), optional
        Per-trial ids (stored as strings), for leave-one-subject-out evaluation and bookkeeping.
    metadata : mapping, optional
        Free metadata (provenance, rejected-trial counts, ground truth of a simulation…).

    Examples
    --------
    >>> import numpy as np
    >>> from neucube import TrialSet
    >>> ts = TrialSet(np.zeros((4, 2, 10)), ["a", "b", "a", "b"], sfreq=100.0,
    ...               ch_names=["Cz", "Pz"])
    >>> ts.class_counts()
    {'a': 2, 'b': 2}
    >>> ts.select(trials=ts.y == 0).n_trials
    2
    """

    def __init__(
        self,
        X: Any,
        y: Any,
        *,
        sfreq: float,
        ch_names: Sequence[str],
        coords: Any = None,
        space: str | None = None,
        class_names: Sequence[str] | None = None,
        tmin: float = 0.0,
        subject: Any = None,
        session: Any = None,
        run: Any = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        X = self._check_X(X)
        n_trials, n_channels, _ = X.shape
        y, class_names = self._check_y(y, class_names, n_trials)
        self._X = _readonly(X)
        self._y = _readonly(y)
        self._class_names = class_names
        self._sfreq = self._check_positive("sfreq", sfreq, "Hz")
        self._ch_names = self._check_ch_names(ch_names, n_channels)
        self._coords, self._space = self._check_coords(coords, space, n_channels)
        if isinstance(tmin, bool) or not isinstance(tmin, numbers.Real) or not np.isfinite(tmin):
            raise _err("tmin", "a finite number of seconds", repr(tmin))
        self._tmin = float(tmin)
        self._subject = _as_str_ids("subject", subject, n_trials)
        self._session = _as_str_ids("session", session, n_trials)
        self._run = _as_str_ids("run", run, n_trials)
        if metadata is not None and not isinstance(metadata, Mapping):
            raise _err("metadata", "a mapping (dict)", f"{type(metadata).__name__}")
        self._metadata = dict(metadata or {})

    # ------------------------------------------------------------------ validation helpers
    @staticmethod
    def _check_X(X: Any) -> np.ndarray:
        try:
            arr = np.asarray(X)
        except Exception as exc:  # ragged nested lists and the like
            raise _err("X", "a numeric array (n_trials, n_channels, n_times)", str(exc)) from exc
        if arr.dtype == object or not (
            np.issubdtype(arr.dtype, np.floating)
            or np.issubdtype(arr.dtype, np.integer)
            or arr.dtype == bool
        ):
            raise _err("X", "a real-valued numeric array", f"dtype {arr.dtype}")
        if arr.ndim != 3:
            raise _err(
                "X",
                "a 3-D array (n_trials, n_channels, n_times)",
                f"{arr.ndim}-D array of shape {arr.shape}",
            )
        if min(arr.shape) == 0:
            raise _err(
                "X", "at least one trial, one channel and one time sample", f"shape {arr.shape}"
            )
        if not np.issubdtype(arr.dtype, np.floating):
            arr = arr.astype(np.float64)
        bad = ~np.isfinite(arr)
        if bad.any():
            trial, ch, t = np.argwhere(bad)[0]
            raise _err(
                "X",
                "finite values",
                f"{int(bad.sum())} NaN/Inf samples (first at trial {trial}, channel {ch}, "
                f"sample {t})",
            )
        return arr

    @staticmethod
    def _check_y(
        y: Any, class_names: Sequence[str] | None, n_trials: int
    ) -> tuple[np.ndarray, tuple[str, ...]]:
        y = np.asarray(y)
        if y.ndim != 1:
            raise _err("y", f"a 1-D array of {n_trials} labels", f"{y.ndim}-D shape {y.shape}")
        if y.shape[0] != n_trials:
            raise _err("y", f"{n_trials} labels (one per trial in X)", f"{y.shape[0]} labels")
        if class_names is not None:
            if isinstance(class_names, str) or not isinstance(class_names, Sequence):
                raise _err("class_names", "a sequence of str", repr(class_names))
            class_names = tuple(str(c) for c in class_names)
            if len(set(class_names)) != len(class_names):
                raise _err("class_names", "unique names", repr(class_names))
        if np.issubdtype(y.dtype, np.integer) and not np.issubdtype(y.dtype, np.bool_):
            codes = y.astype(np.int64)
            if class_names is None:
                class_names = tuple(str(c) for c in range(int(codes.max()) + 1))
            if codes.min() < 0 or codes.max() >= len(class_names):
                raise _err(
                    "y",
                    f"integer codes in [0, {len(class_names) - 1}] (one per class name)",
                    f"codes from {codes.min()} to {codes.max()}",
                )
            return codes, TrialSet._check_class_names(class_names)
        if y.dtype.kind in "USO":
            names = y.astype(str)
            if class_names is None:
                class_names = tuple(sorted(set(names.tolist())))
            lookup = {c: i for i, c in enumerate(class_names)}
            unknown = sorted(set(names.tolist()) - set(lookup))
            if unknown:
                raise _err("y", f"labels among class_names {list(class_names)}", f"{unknown}")
            codes = np.array([lookup[n] for n in names], dtype=np.int64)
        else:
            raise _err("y", "class names (str) or integer codes", f"dtype {y.dtype}")
        return codes, TrialSet._check_class_names(class_names)

    @staticmethod
    def _check_class_names(class_names: tuple[str, ...]) -> tuple[str, ...]:
        """Class names appear in reports, figures and model files: none may be blank."""
        blank = [i for i, c in enumerate(class_names) if not c.strip()]
        if blank:
            raise _err("class_names", "non-empty names (not only spaces)",
                       f"{[class_names[i] for i in blank]} at position(s) {blank}")
        return class_names

    @staticmethod
    def _check_positive(field: str, value: Any, unit: str) -> float:
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
            np.isfinite(value) and value > 0
        ):
            raise _err(field, f"a positive finite number ({unit})", repr(value))
        return float(value)

    @staticmethod
    def _check_ch_names(ch_names: Any, n_channels: int) -> tuple[str, ...]:
        if isinstance(ch_names, str) or not isinstance(ch_names, Sequence | np.ndarray):
            raise _err("ch_names", f"a sequence of {n_channels} str", repr(ch_names))
        names = tuple(str(c) for c in ch_names)
        if len(names) != n_channels:
            raise _err(
                "ch_names", f"{n_channels} names (one per channel in X)", f"{len(names)} names"
            )
        dup = sorted({c for c in names if names.count(c) > 1})
        if dup:
            raise _err("ch_names", "unique names", f"duplicates {dup}")
        return names

    @staticmethod
    def _check_coords(
        coords: Any, space: str | None, n_channels: int
    ) -> tuple[np.ndarray | None, str | None]:
        if coords is None:
            if space is not None:
                raise _err("coords", f"an (n_channels, 3) array because space={space!r}", "None")
            return None, None
        if space not in SPACES:
            raise _err("space", f"one of {list(SPACES)} when coords are given", repr(space))
        try:
            c = np.asarray(coords, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise _err("coords", f"a numeric ({n_channels}, 3) array in mm", str(exc)) from exc
        if c.shape != (n_channels, 3):
            raise _err(
                "coords", f"shape ({n_channels}, 3) (x, y, z in mm per channel)", f"shape {c.shape}"
            )
        if not np.isfinite(c).all():
            raise _err("coords", "finite values", "NaN/Inf")
        return _readonly(c), space

    # ------------------------------------------------------------------ attributes
    @property
    def X(self) -> np.ndarray:
        """Samples, read-only, shape ``(n_trials, n_channels, n_times)``."""
        return self._X

    @property
    def y(self) -> np.ndarray:
        """Integer class codes, shape ``(n_trials,)``; names are ``class_names[y]``."""
        return self._y

    @property
    def class_names(self) -> tuple[str, ...]:
        """Class names in code order."""
        return self._class_names

    @property
    def labels(self) -> np.ndarray:
        """Class name of each trial, shape ``(n_trials,)``."""
        return np.asarray(self._class_names, dtype=str)[self._y]

    @property
    def sfreq(self) -> float:
        """Sampling frequency in Hz."""
        return self._sfreq

    @property
    def ch_names(self) -> tuple[str, ...]:
        """Channel names."""
        return self._ch_names

    @property
    def coords(self) -> np.ndarray | None:
        """Channel coordinates in mm, shape ``(n_channels, 3)``, or ``None``."""
        return self._coords

    @property
    def space(self) -> str | None:
        """Space of :attr:`coords`: one of :data:`SPACES`, or ``None`` without coordinates."""
        return self._space

    @property
    def tmin(self) -> float:
        """Time of the first sample in seconds, relative to the event."""
        return self._tmin

    @property
    def subject(self) -> np.ndarray | None:
        """Per-trial subject ids (str), or ``None``."""
        return self._subject

    @property
    def session(self) -> np.ndarray | None:
        """Per-trial session ids (str), or ``None``."""
        return self._session

    @property
    def run(self) -> np.ndarray | None:
        """Per-trial run ids (str), or ``None``."""
        return self._run

    @property
    def metadata(self) -> dict[str, Any]:
        """A copy of the free metadata."""
        return dict(self._metadata)

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(n_trials, n_channels, n_times)``; lets scikit-learn index a TrialSet by trials."""
        return self._X.shape

    @property
    def n_trials(self) -> int:
        return self._X.shape[0]

    @property
    def n_channels(self) -> int:
        return self._X.shape[1]

    @property
    def n_times(self) -> int:
        return self._X.shape[2]

    @property
    def n_classes(self) -> int:
        return len(self._class_names)

    @property
    def times(self) -> np.ndarray:
        """Sample times in seconds, shape ``(n_times,)``."""
        return self._tmin + np.arange(self.n_times) / self._sfreq

    @property
    def tmax(self) -> float:
        """Time of the last sample in seconds."""
        return float(self.times[-1])

    def __len__(self) -> int:
        return self.n_trials

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """``np.asarray(trials)`` gives ``X``, so array-only estimators accept a TrialSet."""
        if copy:
            return np.array(self._X, dtype=dtype, copy=True)
        return np.asarray(self._X, dtype=dtype)

    def class_counts(self) -> dict[str, int]:
        """Number of trials per class, in class order (classes with no trial give 0)."""
        counts = np.bincount(self._y, minlength=self.n_classes)
        return {name: int(c) for name, c in zip(self._class_names, counts, strict=True)}

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}: {v}" for k, v in self.class_counts().items())
        subj = "" if self._subject is None else f", {len(np.unique(self._subject))} subjects"
        space = "no coords" if self._space is None else f"coords in {self._space}"
        return (
            f"<TrialSet | {self.n_trials} trials ({counts}){subj}, {self.n_channels} channels, "
            f"{self.n_times} samples at {self._sfreq:g} Hz ({self._tmin:g} to {self.tmax:g} s), "
            f"{space}>"
        )

    # ------------------------------------------------------------------ selection
    def _trial_index(self, trials: Any) -> np.ndarray:
        if isinstance(trials, slice):
            return np.arange(self.n_trials)[trials]
        idx = np.asarray(trials)
        if idx.dtype == bool:
            if idx.shape != (self.n_trials,):
                raise _err(
                    "trials", f"a boolean mask of shape ({self.n_trials},)", f"shape {idx.shape}"
                )
            return np.flatnonzero(idx)
        idx = np.atleast_1d(idx)
        if idx.size and not np.issubdtype(idx.dtype, np.integer):
            raise _err("trials", "integer indices, a boolean mask or a slice", f"dtype {idx.dtype}")
        idx = idx.astype(np.int64)
        if idx.size and (idx.max() >= self.n_trials or idx.min() < -self.n_trials):
            raise _err(
                "trials",
                f"indices in [-{self.n_trials}, {self.n_trials - 1}]",
                f"{idx.min()}..{idx.max()}",
            )
        return idx

    def _channel_index(self, channels: Any) -> np.ndarray:
        items = [channels] if isinstance(channels, str | numbers.Integral) else list(channels)
        lookup = {c: i for i, c in enumerate(self._ch_names)}
        out = []
        for c in items:
            if isinstance(c, str):
                if c not in lookup:
                    raise _err("channels", f"names among {list(self._ch_names)}", repr(c))
                out.append(lookup[c])
            elif isinstance(c, numbers.Integral) and -self.n_channels <= c < self.n_channels:
                out.append(int(c) % self.n_channels)
            else:
                raise _err("channels", f"names or indices < {self.n_channels}", repr(c))
        if not out:
            raise _err("channels", "at least one channel", "an empty selection")
        return np.asarray(out, dtype=np.int64)

    def _time_slice(self, tmin: float | None, tmax: float | None) -> slice:
        times = self.times
        half = 0.5 / self._sfreq  # tolerate float round-off at the window edges
        start = 0 if tmin is None else int(np.searchsorted(times, tmin - half, side="left"))
        stop = (
            self.n_times if tmax is None else int(np.searchsorted(times, tmax + half, side="right"))
        )
        if stop <= start:
            raise _err(
                "tmin/tmax",
                f"a window overlapping {self._tmin:g}..{self.tmax:g} s",
                f"{tmin}..{tmax} s",
            )
        return slice(start, stop)

    def select(
        self,
        trials: Any = None,
        channels: Any = None,
        tmin: float | None = None,
        tmax: float | None = None,
    ) -> TrialSet:
        """Return a new ``TrialSet`` restricted to some trials, channels and a time window.

        Parameters
        ----------
        trials : int, slice, array of int or bool, optional
            Trials to keep, in the given order.
        channels : str, int or sequence of them, optional
            Channels to keep, by name or index, in the given order.
        tmin, tmax : float, optional
            Time window in seconds, both ends included.

        Returns
        -------
        TrialSet
            Class names are kept even when a class has no trial left, so folds share label codes.
        """
        t_idx = slice(None) if trials is None else self._trial_index(trials)
        c_idx = slice(None) if channels is None else self._channel_index(channels)
        window = self._time_slice(tmin, tmax)
        X = self._X[t_idx][:, c_idx][:, :, window]
        pick = (lambda a: None if a is None else a[t_idx])  # noqa: E731
        return TrialSet(
            X,
            self._y[t_idx],
            sfreq=self._sfreq,
            ch_names=list(np.asarray(self._ch_names, dtype=object)[c_idx]),
            coords=None if self._coords is None else self._coords[c_idx],
            space=self._space,
            class_names=self._class_names,
            tmin=float(self.times[window.start]),
            subject=pick(self._subject),
            session=pick(self._session),
            run=pick(self._run),
            metadata=self._metadata,
        )

    def __getitem__(self, trials: Any) -> TrialSet:
        """Select trials: ``ts[:10]``, ``ts[mask]``, ``ts[[0, 3]]`` (also ``ts[idx, ...]``)."""
        if isinstance(trials, tuple):
            # NumPy-style ``ts[idx, ...]``, as scikit-learn indexes array-likes.
            if len(trials) == 2 and trials[1] is Ellipsis:
                trials = trials[0]
            else:
                raise _err(
                    "trials", "trials only (use select() for channels and times)", repr(trials)
                )
        return self.select(trials=trials)

    def crop(self, tmin: float | None = None, tmax: float | None = None) -> TrialSet:
        """Return the trials restricted to the time window ``[tmin, tmax]`` seconds."""
        return self.select(tmin=tmin, tmax=tmax)

    def pick_channels(self, channels: Any) -> TrialSet:
        """Return the trials restricted to ``channels`` (names or indices)."""
        return self.select(channels=channels)

    def iter_subjects(self) -> Iterator[tuple[str, TrialSet]]:
        """Yield ``(subject_id, trials)`` for each subject, in sorted id order."""
        if self._subject is None:
            raise _err("subject", "per-trial subject ids to split by subject", "None")
        for sid in np.unique(self._subject):
            yield str(sid), self.select(trials=self._subject == sid)

    def with_coords(self, coords: Any, space: str) -> TrialSet:
        """Return a copy with new channel coordinates (for example converted to Talairach)."""
        return self.replace(coords=coords, space=space)

    def to_space(self, space: str, *, variant: str = "other") -> TrialSet:
        """Return a copy with coordinates converted to ``space`` (``"mni"`` <-> ``"talairach"``).

        Uses Lancaster's icbm2tal transform (:mod:`neucube.spaces`); ``variant`` picks the
        published matrix (``"other"``, ``"spm"`` or ``"fsl"``).
        """
        if self._coords is None:
            raise _err("coords", f"coordinates to convert to space {space!r}", "None")
        if space == self._space:
            return self
        return self.with_coords(
            convert_coords(self._coords, self._space, space, variant=variant), space
        )

    def with_metadata(self, **items: Any) -> TrialSet:
        """Return a copy whose metadata is updated with ``items``."""
        return self.replace(metadata={**self._metadata, **items})

    def replace(self, **changes: Any) -> TrialSet:
        """Return a copy with some fields replaced, checked like a new :class:`TrialSet`.

        Parameters
        ----------
        **changes
            Constructor arguments to change (``X``, ``y``, ``sfreq``, ``ch_names``, ``coords``,
            ``space``, ``class_names``, ``tmin``, ``subject``, ``session``, ``run``,
            ``metadata``); the others are kept.

        Returns
        -------
        TrialSet

        Examples
        --------
        >>> filtered = trials.replace(X=filtered_X)  # doctest: +SKIP
        >>> relabelled = trials.replace(y=new_y, class_names=("a", "b"))  # doctest: +SKIP
        """
        fields: dict[str, Any] = dict(
            sfreq=self._sfreq,
            ch_names=self._ch_names,
            coords=self._coords,
            space=self._space,
            class_names=self._class_names,
            tmin=self._tmin,
            subject=self._subject,
            session=self._session,
            run=self._run,
            metadata=self._metadata,
        )
        unknown = sorted(set(changes) - set(fields) - {"X", "y"})
        if unknown:
            raise TypeError(
                f"TrialSet.replace: expected fields of a TrialSet; found {', '.join(unknown)}"
            )
        fields.update(changes)
        X = fields.pop("X", self._X)
        y = fields.pop("y", self._y)
        return TrialSet(X, y, **fields)

    @classmethod
    def concatenate(cls, trial_sets: Sequence[TrialSet]) -> TrialSet:
        """Stack the trials of several sets (for example subjects) into one.

        All sets must share channels, sampling rate, time axis, coordinates and class names.
        Subject/session/run ids are kept when every set has them.
        """
        sets = list(trial_sets)
        if not sets:
            raise _err("trial_sets", "at least one TrialSet", "an empty sequence")
        first = sets[0]
        for k, ts in enumerate(sets[1:], start=1):
            for field in ("ch_names", "sfreq", "n_times", "tmin", "class_names", "space"):
                if getattr(ts, field) != getattr(first, field):
                    raise _err(
                        f"trial_sets[{k}].{field}",
                        f"{getattr(first, field)!r} (as in trial_sets[0])",
                        repr(getattr(ts, field)),
                    )
            if (ts.coords is None) != (first.coords is None) or (
                ts.coords is not None and not np.allclose(ts.coords, first.coords)
            ):
                raise _err(
                    f"trial_sets[{k}].coords", "the coordinates of trial_sets[0]", "different ones"
                )

        def ids(name: str) -> np.ndarray | None:
            parts = [getattr(ts, name) for ts in sets]
            return None if any(p is None for p in parts) else np.concatenate(parts)

        meta: dict[str, Any] = {}
        for ts in sets:
            meta.update(ts.metadata)
        return cls(
            np.concatenate([ts.X for ts in sets]),
            np.concatenate([ts.y for ts in sets]),
            sfreq=first.sfreq,
            ch_names=first.ch_names,
            coords=first.coords,
            space=first.space,
            class_names=first.class_names,
            tmin=first.tmin,
            subject=ids("subject"),
            session=ids("session"),
            run=ids("run"),
            metadata=meta,
        )
