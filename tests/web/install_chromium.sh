#!/bin/sh
# Installs Debian's chromium (apt-get, as root) for the browser tests of tests/web, unless a
# chromium is already there, and Noto Color Emoji, so that reactions and emoji draw as emoji
# in the screenshots rather than as empty boxes. Playwright's own browser download is never
# used: it cannot be fetched here, and the tests launch the system browser by its path.
# Idempotent: a second run downloads nothing. Prints the path and version, KEY=VALUE a line:
#   CHROMIUM=/usr/bin/chromium
#   VERSION=Chromium 156.0.8078.114 built on Debian GNU/Linux 12 (bookworm)
# Usage: tests/web/install_chromium.sh   ($SLACKLINE_CHROMIUM names another browser to use)
set -eu

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

CHROMIUM=${SLACKLINE_CHROMIUM:-$(command -v chromium || true)}
missing=""
[ -n "$CHROMIUM" ] || missing="chromium"
installed fonts-noto-color-emoji || missing="$missing fonts-noto-color-emoji"
if [ -n "$missing" ]; then
    echo "install_chromium.sh: installing $missing" >&2
    # A fresh machine has no package lists until apt-get update.
    as_root apt-get install -y --no-install-recommends $missing >&2 || {
        as_root apt-get update >&2
        as_root apt-get install -y --no-install-recommends $missing >&2
    }
    CHROMIUM=${CHROMIUM:-$(command -v chromium)}
fi

echo "CHROMIUM=$CHROMIUM"
echo "VERSION=$("$CHROMIUM" --version 2>/dev/null)"
