"""Registers the planwatch console with Airflow: the app is mounted at /planwatch, with a nav entry and a DAG tab."""

from airflow.plugins_manager import AirflowPlugin

from console import create_app


class PlanwatchConsole(AirflowPlugin):
    name = "planwatch"
    fastapi_apps = [{"app": create_app(), "url_prefix": "/planwatch", "name": "planwatch console"}]
    external_views = [
        {"name": "planwatch", "href": "/planwatch/facts", "url_route": "planwatch", "destination": "nav"},
        {"name": "planwatch", "href": "/planwatch/dag/{DAG_ID}", "url_route": "planwatch_dag", "destination": "dag"},
    ]
