# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
FRONTEND_STAMP := frontend/node_modules/.installed
STATIC := backend/static/index.html
PG_VERSION := $(shell ls /etc/postgresql 2>/dev/null | head -n 1)

.PHONY: demo test lint gen-api format install frontend services system-deps clean

demo: install frontend
	$(VENV)/bin/segloop demo

test: install frontend services system-deps
	cd frontend && npm test
	POSTGRES_PASSWORD=x MINIO_ROOT_PASSWORD=x SEGLOOP_SECRET_KEY=x docker-compose config -q
	$(PY) -m pytest

lint: install $(FRONTEND_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) -m mypy
	cd frontend && npm run lint && npm run typecheck
	cd frontend && PYTHON=$(abspath $(PY)) npm run --silent check:api

# The frontend's API types (frontend/src/api/*.gen.ts) from the backend's OpenAPI schema:
# run it after changing backend schemas or routes; `make lint` fails while they are stale.
gen-api: install $(FRONTEND_STAMP)
	cd frontend && PYTHON=$(abspath $(PY)) npm run --silent gen:api

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

install: $(PY_STAMP)

$(PY_STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[ml,dev]'
	touch $@

$(FRONTEND_STAMP): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

frontend: $(STATIC)

$(STATIC): $(FRONTEND_STAMP) $(shell find frontend/src frontend/index.html -type f 2>/dev/null)
	cd frontend && npm run build

# PostgreSQL and Redis run on every development and CI machine; start them if they stopped.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $(PG_VERSION) main start
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || redis-server --daemonize yes \
		--bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
		--dir /var/lib/redis --logfile /var/log/redis/ci.log
	@for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 && break; sleep 1; done

# Debian's Chromium drives the browser tests; docker-compose validates the production stack.
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v docker-compose >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq chromium docker-compose >/dev/null; fi

clean:
	rm -rf $(VENV) frontend/node_modules backend/static .segloop
