# planwatch: `make run` starts Airflow with the planwatch DAGs; `make test` runs the suite.
# Both need only Python 3.11 and pip: uv is installed when missing, then the locked environment is synced.

SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := python3 -m uv
endif

export PLANWATCH_HOME ?= $(CURDIR)/.planwatch

.PHONY: run run-cluster test sync uv demo bench lint

uv:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check uv

# --compile-bytecode as pip does: every Airflow task is a fresh process, and without .pyc files each one
# compiles Airflow, SQLAlchemy and trafilatura again (~2.5 s a task; ~0.4 s with them)
sync: uv
	$(UV) sync --locked --quiet --compile-bytecode

run: sync
	$(UV) run --locked planwatch serve

# Cluster mode: Airflow and the store on PostgreSQL, CeleryExecutor with Redis, PLANWATCH_WORKERS workers.
run-cluster: sync
	PLANWATCH_DATABASE_URL=$${PLANWATCH_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/planwatch} \
	  $(UV) run --locked planwatch serve --cluster

test: sync
	$(UV) run --locked pytest -q

demo: sync
	$(UV) run --locked planwatch demo

bench: sync
	$(UV) run --locked python benchmarks/detect.py
	$(UV) run --locked python benchmarks/poll.py
	$(UV) run --locked python benchmarks/console.py
	$(UV) run --locked python benchmarks/search.py
