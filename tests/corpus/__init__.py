"""The bad-input corpus generator (see README.md); importable as ``corpus.make_corpus``."""
