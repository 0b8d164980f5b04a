"""`make run`: Airflow with the planwatch DAGs on the embedded SQLite default.

This does what ``airflow standalone`` does (scheduler, DAG processor, triggerer,
API server, LocalExecutor) but starts the scheduler and triggerer with
``--skip-serve-logs``: standalone's log servers listen on every interface
(ports 8793/8794), and with one machine and the LocalExecutor the API server
reads task logs from disk anyway. Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from planwatch import settings as settings_mod
from planwatch.settings import REPO

COMPONENTS = {
    "scheduler": ["scheduler", "--skip-serve-logs"],
    "dag-processor": ["dag-processor"],
    "triggerer": ["triggerer", "--skip-serve-logs"],
}


def airflow_env(home: Path, host: str = "127.0.0.1", port: int = 8080) -> dict[str, str]:
    """The environment that points Airflow at planwatch's DAGs and a local SQLite database."""
    airflow_home = Path(os.environ.get("AIRFLOW_HOME") or home / "airflow")
    airflow_home.mkdir(parents=True, exist_ok=True)
    secret_file = home / "jwt_secret"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(64))
        secret_file.chmod(0o600)
    env = dict(os.environ)
    env.update({
        "AIRFLOW_HOME": str(airflow_home),
        "PLANWATCH_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "4",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "30",
        "AIRFLOW__API__HOST": host,
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://{host}:{port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{host}:{port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": secret_file.read_text().strip(),
    })
    env.setdefault("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "admin:admin")
    return env


def main(host: str = "127.0.0.1", port: int = 8080) -> int:
    cfg = settings_mod.load()
    cfg.home.mkdir(parents=True, exist_ok=True)
    env = airflow_env(cfg.home, host, port)
    airflow = [sys.executable, "-m", "airflow"]

    from store import migrate

    print(f"planwatch: migrating the planwatch store at {cfg.database_url}", flush=True)
    migrate(cfg.database_url)
    print(f"planwatch: migrating Airflow's database in {env['AIRFLOW_HOME']}", flush=True)
    subprocess.run(airflow + ["db", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)

    procs = {name: subprocess.Popen(airflow + args, env=env) for name, args in COMPONENTS.items()}
    procs["api-server"] = subprocess.Popen(airflow + ["api-server", "--host", host, "--port", str(port)], env=env)
    password_file = Path(env["AIRFLOW_HOME"]) / "simple_auth_manager_passwords.json.generated"
    print(
        f"\nplanwatch: Airflow UI at http://{host}:{port}  (user admin; password in {password_file},"
        " written once the API server is up)\nplanwatch: DAGs from "
        f"{env['AIRFLOW__CORE__DAGS_FOLDER']}; press Ctrl-C to stop.\n",
        flush=True,
    )

    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    while not stopping:
        for name, proc in procs.items():
            if proc.poll() is not None:
                print(f"planwatch: airflow {name} exited with code {proc.returncode}; stopping", flush=True)
                code, stopping = proc.returncode or 1, True
                break
        time.sleep(1)
    for proc in procs.values():
        if proc.poll() is None:
            proc.terminate()
    for proc in procs.values():
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return code
