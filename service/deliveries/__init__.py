"""Concession contracts, their data obligations, the deliveries received, their validation,
the status of each expected period and the reversibility checklist (no Flask here)."""
