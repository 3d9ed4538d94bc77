#!/usr/bin/env bash
# Debian's Chromium for the editor test (tests/js/editor.test.js drives
# /usr/bin/chromium with playwright-core; test tools cannot download a browser
# of their own here). Installs it only when missing: a no-op on a warm machine,
# about a minute on a cold one.
set -euo pipefail

if /usr/bin/chromium --version >/dev/null 2>&1; then
  exit 0
fi
echo "setup: installing Debian's chromium (about a minute, once)" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version >/dev/null 2>&1
