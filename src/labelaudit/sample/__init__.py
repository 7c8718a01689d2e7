"""The built-in demo bundle used by ``labelaudit demo`` (see :mod:`.generate` for its answer key)."""

from labelaudit.sample.generate import ANSWER_KEY, write_sample_bundle

__all__ = ["ANSWER_KEY", "write_sample_bundle"]
