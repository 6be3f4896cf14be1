"""Parameter sweeps: a declared design times replicates, cut into chunks that each run as one vectorised
model, in parallel worker processes, streamed to disk."""
