"""Requests between rounds: a student asks a mentor of their group for an empty seat."""
