"""The landing page and each role's home."""
