"""Data shipped with the package: the first specialty vocabulary and the common passwords."""
