#!/usr/bin/env bash
# Install the Debian packages the test-suite needs, when they are missing.
# The library itself needs only a C++ compiler (for Brian2's code generation), checked here too.
# Chromium drives the web app's browser test (Playwright's Python client with Debian's browser;
# `playwright install` is never run, so nothing is downloaded outside apt).
set -euo pipefail

need=()
command -v g++ >/dev/null 2>&1 || need+=(g++)
[ -x /usr/bin/chromium ] || need+=(chromium)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "missing system packages: ${need[*]} (run as root or install them with apt-get)" >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing system packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
