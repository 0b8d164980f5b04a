"""The operators' console: a FastAPI app that Airflow's API server mounts at /planwatch (see plugins/)."""

from console.app import create_app

__all__ = ["create_app"]
