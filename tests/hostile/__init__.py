"""A hostile corpus of returned files, generated at test time (see `corpus.build`)."""
