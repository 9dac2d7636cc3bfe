"""Errors of :mod:`supplyshock.news`: each says what is wrong with the input and that nothing was written."""

from __future__ import annotations

from supplyshock.errors import SupplyShockError

__all__ = ["ArticleError", "LLMError", "NewsError", "NoEventError"]


class NewsError(SupplyShockError):
    """Drafting a scenario from an article failed."""


class ArticleError(NewsError, ValueError):
    """The article cannot be read: missing, empty, too large, not text, not English."""


class NoEventError(NewsError):
    """The article reports no policy event the scenario format can hold."""


class LLMError(NewsError):
    """The optional language-model backend is not configured or answered badly."""
