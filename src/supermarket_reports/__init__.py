"""The pipeline's reports inside Airflow's UI: an Airflow 3 plugin (plugin.py) that mounts a small FastAPI app
(app.py) in the API server. Installed with the task package's wheel and registered through the
`airflow.plugins` entry point (pyproject.toml), so the Airflow image and the demo's `airflow standalone` load it
without a plugins folder; the task image carries it unused (it imports nothing from Airflow until loaded).
"""
