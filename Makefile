# The two commands a newcomer runs: `make serve` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The real clients of tests/clients/test_real_clients.py, each pinned, each built once (stamp files).
CLIENTS := tests/clients
SLACKCLIENT2_STAMP := .venv-slackclient2/.installed
SLACKCLIENT1_STAMP := .venv-slackclient1/.installed
NODE_STAMP := $(CLIENTS)/node/node_modules/.installed
NODE_SOCKET_MODE_STAMP := $(CLIENTS)/node_socket_mode/node_modules/.installed
EXAMPLE_NODE_STAMP := examples/node_bot/node_modules/.installed
# WeeChat headless, wee-slack and websocket-client for tests/weechat, unpacked from Debian's
# packages (apt-get download, not installed); the folder tests/weechat/harness.py looks in.
WEECHAT_DIR := .weechat
WEECHAT_STAMP := $(WEECHAT_DIR)/.make-stamp
# Debian's chromium for the browser tests of tests/web (Playwright launches it by path).
CHROMIUM_STAMP := $(VENV)/.chromium

.PHONY: serve test check lint types unit clients weechat chromium bench clean reference

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==24.3.1
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The demo server and, connected to it over RTM, the echo bot of examples/rtm_v2_bot.
serve: $(STAMP)
	$(BIN)/python examples/rtm_v2_bot/serve_demo.py

test: check

check: lint types unit

lint: $(STAMP)
	$(BIN)/ruff check src tests examples
	$(BIN)/ruff format --check src tests examples

types: $(STAMP)
	$(BIN)/mypy

# Two workers (this machine has two cores), a test file per worker at a time: module-scoped
# servers start once, and files that start private PostgreSQL or Redis servers use ports of
# their own.
unit: $(STAMP) clients weechat chromium
	$(BIN)/pytest -n 2 --dist loadfile

clients: $(SLACKCLIENT2_STAMP) $(SLACKCLIENT1_STAMP) $(NODE_STAMP) $(NODE_SOCKET_MODE_STAMP) $(EXAMPLE_NODE_STAMP)

# slackclient 2 ships the top-level package `slack`, which clashes with slack_sdk's.
$(SLACKCLIENT2_STAMP): $(CLIENTS)/requirements-slackclient2.txt
	rm -rf .venv-slackclient2
	$(PYTHON) -m venv .venv-slackclient2
	.venv-slackclient2/bin/pip install --quiet -r $<
	touch $@

$(SLACKCLIENT1_STAMP): $(CLIENTS)/requirements-slackclient1.txt
	rm -rf .venv-slackclient1
	$(PYTHON) -m venv .venv-slackclient1
	.venv-slackclient1/bin/pip install --quiet -r $<
	touch $@

$(NODE_STAMP): $(CLIENTS)/node/package.json $(CLIENTS)/node/package-lock.json
	cd $(CLIENTS)/node && npm ci --no-audit --no-fund
	touch $@

# @slack/socket-mode and @slack/bolt for tests/socket_mode/test_node_clients.py.
$(NODE_SOCKET_MODE_STAMP): $(CLIENTS)/node_socket_mode/package.json $(CLIENTS)/node_socket_mode/package-lock.json
	cd $(CLIENTS)/node_socket_mode && npm ci --no-audit --no-fund
	touch $@

# examples/node_bot's own modules (its suite runs in `make test` through pytest's testpaths).
$(EXAMPLE_NODE_STAMP): examples/node_bot/package.json examples/node_bot/package-lock.json
	cd examples/node_bot && npm ci --no-audit --no-fund
	touch $@

chromium: $(CHROMIUM_STAMP)

$(CHROMIUM_STAMP): tests/web/install_chromium.sh $(STAMP)
	sh tests/web/install_chromium.sh >/dev/null
	touch $@

weechat: $(WEECHAT_STAMP)

$(WEECHAT_STAMP): tests/weechat/install.sh
	sh tests/weechat/install.sh $(WEECHAT_DIR) >/dev/null
	touch $@

# Builds bench/build/loadgen (gcc) and bench/baselines/node_modules (npm ci) on first use.
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

# docs/reference.md: every method and event, rendered from the method table and the catalogue.
reference: $(STAMP)
	$(BIN)/python -m slackline.reference > docs/reference.md

clean:
	rm -rf $(VENV) .venv-slackclient2 .venv-slackclient1 $(WEECHAT_DIR) $(CLIENTS)/node/node_modules $(CLIENTS)/node_socket_mode/node_modules examples/node_bot/node_modules build *.egg-info src/*.egg-info .mypy_cache .pytest_cache .ruff_cache
