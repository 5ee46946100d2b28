"""Introductions: from a published pair to a working mentorship."""
