#!/bin/sh
# Unpacks WeeChat headless, its Python and FIFO plugins, wee-slack and websocket-client from
# Debian 12's packages into DIR, without installing them; installs (apt-get, as root) only the
# shared libraries they link against that the machine lacks. Idempotent: a second run with the
# same DIR downloads nothing. Prints the paths the harness needs, one KEY=VALUE a line:
#   WEECHAT=DIR/root/usr/bin/weechat-headless
#   SLACK_PY=DIR/root/usr/share/weechat/python/slack.py
#   PLUGINS=DIR/root/usr/lib/x86_64-linux-gnu/weechat/plugins
#   PYTHONPATH=DIR/root/usr/lib/python3/dist-packages   (websocket-client for slack.py)
#   VERSIONS=weechat-headless=3.8-1,...
# Usage: tests/weechat/install.sh [DIR]   (default: $SLACKLINE_WEECHAT_DIR or the repository's
# .weechat, where `make weechat` puts it)
set -eu

DIR=${1:-${SLACKLINE_WEECHAT_DIR:-$(dirname "$0")/../../.weechat}}
# weechat-plugins brings fifo.so; weechat-scripts brings python/slack.py (wee-slack);
# python3-websocket is the websocket-client that slack.py imports.
PACKAGES="weechat-core weechat-headless weechat-python weechat-plugins weechat-scripts python3-websocket"
# The Depends of those packages that are libraries (weechat-plugins' libaspell15 is left out:
# only spell.so needs it, and the harness does not load spell).
LIBRARIES="libc6 libcurl3-gnutls libgcrypt20 libgnutls30 libzstd1 zlib1g libpython3.11"

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
ROOT=$DIR/root
STAMP=$DIR/.installed
ARCH=$(dpkg --print-architecture)
WEECHAT=$ROOT/usr/bin/weechat-headless
SLACK_PY=$ROOT/usr/share/weechat/python/slack.py
PYPATH=$ROOT/usr/lib/python3/dist-packages

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing_libraries() {
    for package in $LIBRARIES; do
        status=$(dpkg-query -W -f='${Status}' "$package:$ARCH" 2>/dev/null \
            || dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
        [ "$status" = "install ok installed" ] || printf '%s ' "$package"
    done
}

missing=$(missing_libraries)
if [ -n "$missing" ]; then
    echo "install.sh: installing missing libraries: $missing" >&2
    as_root apt-get install -y --no-install-recommends $missing >&2 || {
        as_root apt-get update >&2
        as_root apt-get install -y --no-install-recommends $missing >&2
    }
fi

# Unpacked again when the package list changes (an edit of this script), not only when absent.
if [ ! -f "$STAMP" ] || [ ! -x "$WEECHAT" ] || [ ! -f "$SLACK_PY" ] \
    || [ "$(cat "$DIR/.packages" 2>/dev/null)" != "$PACKAGES" ]; then
    rm -rf "$DIR/debs" "$ROOT"
    mkdir -p "$DIR/debs" "$ROOT"
    # apt-get download needs package lists: a fresh machine has none until apt-get update.
    if ! (cd "$DIR/debs" && apt-get download -o APT::Sandbox::User=root $PACKAGES >&2); then
        as_root apt-get update >&2
        (cd "$DIR/debs" && apt-get download -o APT::Sandbox::User=root $PACKAGES >&2)
    fi
    for deb in "$DIR"/debs/*.deb; do
        dpkg-deb -x "$deb" "$ROOT"
    done
    versions=""
    for deb in "$DIR"/debs/*.deb; do
        versions="$versions${versions:+,}$(dpkg-deb -f "$deb" Package)=$(dpkg-deb -f "$deb" Version)"
    done
    echo "$versions" >"$STAMP"
    echo "$PACKAGES" >"$DIR/.packages"
fi

# The plugins' folder is usr/lib/<multiarch>/weechat/plugins.
FIFO_SO=$(find "$ROOT/usr/lib" -path '*/weechat/plugins/fifo.so' | head -n 1)
if [ -z "$FIFO_SO" ]; then
    echo "install.sh: no weechat/plugins/fifo.so under $ROOT/usr/lib (remove $STAMP and retry)" >&2
    exit 1
fi
PLUGINS=$(dirname "$FIFO_SO")

# Every library the binary and the plugins the harness loads link against must resolve.
for binary in "$WEECHAT" "$PLUGINS/python.so" "$PLUGINS/fifo.so" "$PLUGINS/logger.so"; do
    if ldd "$binary" | grep -q 'not found'; then
        echo "install.sh: $binary has unresolved libraries:" >&2
        ldd "$binary" | grep 'not found' >&2
        exit 1
    fi
done

echo "WEECHAT=$WEECHAT"
echo "SLACK_PY=$SLACK_PY"
echo "PLUGINS=$PLUGINS"
echo "PYTHONPATH=$PYPATH"
echo "VERSIONS=$(cat "$STAMP")"
