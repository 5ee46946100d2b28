"""Institutions as records: the list admins keep, the names people pick, homes and departments."""
