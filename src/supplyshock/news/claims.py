"""Attributed statements (placeholder replaced below)."""

from __future__ import annotations


def find_claims(parsed, events):  # type: ignore[no-untyped-def]
    return []
