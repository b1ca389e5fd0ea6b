# Two commands on a fresh machine: `make demo` (set-up + the main job on the real dataset) and
# `make test` (set-up + the whole test suite). Set-up steps are skipped when already done.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
VENV_STAMP := $(VENV)/.installed
NEO4J_STAMP := neo4j/target/.resolved
NEO4J_POMS := neo4j/pom.xml neo4j/server/pom.xml neo4j/gds/pom.xml

.PHONY: help setup venv neo4j demo test lint typecheck unit integration clean db-start db-stop \
	bench-quality bench-quality-quick bench-lightgcn-speed bench-datapath bench-segments bench-api

help:
	@echo "make demo   - set up, start Neo4j, ingest Amazon Beauty, train LightGCN, serve GraphQL"
	@echo "make test   - set up and run lint, type checks, unit, integration and e2e tests"
	@echo "make setup  - only the set-up (.venv and the Neo4j jars)"
	@echo "make bench-quality       - every model on every benchmark split, README table (long)"
	@echo "make bench-quality-quick - the same on 600 users and a few epochs (minutes)"
	@echo "make bench-lightgcn-speed - seconds per LightGCN epoch on Gowalla: ours vs PyG's edge_index"
	@echo "make bench-datapath - Tmall and Gowalla: export vs a naive loop, write-back, search, fold-in"
	@echo "make bench-segments - Amazon Beauty and Office: Louvain/Leiden in GDS and Python"
	@echo "make bench-api      - GraphQL API under load (autocannon, Node.js): reads, reads + writes"

setup: venv neo4j

venv: $(VENV_STAMP)

# The CUDA build of torch is ~3 GB: pip leaves it alone when the pinned version is installed.
$(VENV_STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (Python 3.11 needed)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

neo4j: $(NEO4J_STAMP)

$(NEO4J_STAMP): $(NEO4J_POMS)
	@command -v mvn >/dev/null || { echo "error: Maven (mvn) not found: it resolves Neo4j from Maven Central"; exit 1; }
	@command -v java >/dev/null || { echo "error: java not found: Neo4j 5.26 needs Java 17"; exit 1; }
	rm -rf neo4j/target/lib neo4j/target/plugins
	mvn --quiet --batch-mode -f neo4j/pom.xml package
	touch $@

demo: setup
	$(BIN)/interestgraph demo

db-start: setup
	$(BIN)/interestgraph db start

db-stop: venv
	$(BIN)/interestgraph db stop

lint: venv
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: venv
	$(BIN)/mypy
	$(BIN)/mypy benchmarks/*.py

unit: venv
	$(BIN)/pytest tests/unit

test: setup lint typecheck
	$(BIN)/pytest

# Long: trained models checkpoint under benchmarks/.work and resume on the next run.
# BENCH_ARGS passes options through, e.g. BENCH_ARGS="--datasets gowalla --models lightgcn".
bench-quality: venv
	$(BIN)/python benchmarks/quality.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/render_readme.py

bench-lightgcn-speed: venv
	$(BIN)/python benchmarks/lightgcn_speed.py
	$(BIN)/python benchmarks/render_readme.py

# The first run ingests Tmall and Gowalla into servers of their own under benchmarks/.work.
bench-datapath: setup
	$(BIN)/python benchmarks/datapath.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/render_readme.py

# The first run ingests Amazon Beauty and Office (with topics and interest profiles).
bench-segments: setup
	$(BIN)/python benchmarks/segments.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/render_readme.py

# About 5 minutes: two 2-minute runs against `interestgraph serve` on Gowalla's benchmark graph
# (ingested on first use, as for bench-datapath). BENCH_ARGS="--dataset tmall", "--workers 2", ...
LOAD_STAMP := benchmarks/load/node_modules/.package-lock.json

bench-api: setup $(LOAD_STAMP)
	$(BIN)/python benchmarks/api_load.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/render_readme.py

$(LOAD_STAMP): benchmarks/load/package-lock.json
	@command -v npm >/dev/null || { echo "error: npm not found: the load generator, autocannon, needs Node.js 18+"; exit 1; }
	npm ci --prefix benchmarks/load --no-audit --no-fund
	touch $@

bench-quality-quick: venv
	$(BIN)/python benchmarks/quality.py --quick --out benchmarks/.work/quick-results $(BENCH_ARGS)

clean:
	rm -rf $(VENV) neo4j/target .pytest_cache .mypy_cache .ruff_cache
