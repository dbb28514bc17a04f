# Two commands on a fresh machine: `make demo` serves the example, `make test` runs every test.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,examples]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/panes dev examples/dashboard/app --host 127.0.0.1 --port 8000

test: $(STAMP) /usr/bin/chromium /usr/bin/redis-server /usr/sbin/haproxy /usr/bin/node
	$(PY) -m pytest

# Browser tests drive Debian's Chromium (never a downloaded browser).
/usr/bin/chromium:
	apt-get update -qq && apt-get install -y -qq chromium

# Cache tests start Debian's redis-server on a free loopback port (never a system service).
/usr/bin/redis-server:
	apt-get update -qq && apt-get install -y -qq redis-server

# The scale-out test puts three servers behind Debian's HAProxy (started on a free loopback port).
/usr/sbin/haproxy:
	apt-get update -qq && apt-get install -y -qq haproxy

# The runtime's pure part (tests/js) runs in Debian's node: `node --test tests/js/*.test.js`.
/usr/bin/node:
	apt-get update -qq && apt-get install -y -qq nodejs

bench: $(STAMP) /usr/bin/wrk /usr/bin/redis-server
	$(PY) bench/run.py

# The benchmarks load servers with Debian's wrk.
/usr/bin/wrk:
	apt-get update -qq && apt-get install -y -qq wrk

lint: $(STAMP)
	$(PY) -m pip install --quiet ruff mypy
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis src/*.egg-info
