"""Student and mentor profiles, the mentor directory, and each person's own data."""
