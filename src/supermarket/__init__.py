"""Supermarket promotions pipeline: the task code every pipeline pod runs.

Keep this module import-free: Airflow's sensors import `supermarket.delivery` with only Airflow's
dependencies installed.
"""

__version__ = "0.1.0"
