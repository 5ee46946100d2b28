"""Progress pages for long operations that run in the background (large imports and solves)."""
