"""The parts of the NDJSON loader; objectiv_dbt.load is its entry point and describes what a load does."""
