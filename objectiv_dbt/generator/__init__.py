"""The event generator behind `python -m objectiv_dbt.generate` (see that module for how it works)."""
