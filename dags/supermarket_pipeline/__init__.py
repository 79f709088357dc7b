"""Helpers shared by the supermarket DAGs. Parse-time imports: Airflow, its providers, the standard library."""
