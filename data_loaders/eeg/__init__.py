"""EEG recordings (any format MNE reads) to labelled trials with 3-D channel coordinates.

:func:`load_eeg` reads a file (EDF/EDF+, BDF, BrainVision, EEGLAB, FIF, Nicolet, GDF, CNT …),
or takes an :class:`mne.io.Raw`/:class:`mne.Epochs` object, finds the events (stim channel or
annotations), maps them to class labels, epochs, filters, resamples and rejects with MNE, and
returns a :class:`neucube.data.TrialSet` whose channels carry MNI (or Talairach) coordinates.

Every problem with the input is raised as a :mod:`data_loaders._errors` exception that names the
file and what was wrong, with MNE's own exception chained (``raise ... from exc``). Warnings MNE
emits while reading (for example annotations outside the data) are logged and kept in
``TrialSet.metadata["warnings"]``; rejected trials are counted in ``metadata["n_rejected"]`` and
summarised by reason in ``metadata["drop_log"]``. Channels that are constant over the whole
recording (flat: disconnected or zeroed electrodes) are marked bad and left out with a warning,
as MNE users would mark them by hand; a recording whose channels are all flat is an error.

The package's modules: :mod:`~data_loaders.eeg.readers` (MNE readers) with
:mod:`~data_loaders.eeg.checks` (what is refused before a reader opens a file),
:mod:`~data_loaders.eeg.events` (events to classes), :mod:`~data_loaders.eeg.channels`
(which channels, with which positions), :mod:`~data_loaders.eeg.epoching` (MNE epochs,
filtering, rejection) and :mod:`~data_loaders.eeg.loader` (:func:`load_eeg`, which calls them
in that order).
"""

from data_loaders.eeg.checks import check_recording_files
from data_loaders.eeg.loader import load_eeg
from data_loaders.eeg.readers import SUPPORTED_EXTENSIONS, read_recording

__all__ = ["load_eeg", "read_recording", "check_recording_files", "SUPPORTED_EXTENSIONS"]
