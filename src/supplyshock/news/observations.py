"""Observations (placeholder replaced below)."""

from __future__ import annotations


def find_observations(parsed, published, dateline_country):  # type: ignore[no-untyped-def]
    return []
