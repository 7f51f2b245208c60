"""Channel adapters: translate in and out, nothing else."""
