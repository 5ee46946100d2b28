"""Match rounds: the coordinator's workflow from opt-in to published introductions."""
