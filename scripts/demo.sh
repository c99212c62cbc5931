#!/usr/bin/env bash
# The main job, offline: builds sysupdate and shows it at work against a
# local server on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh >/dev/null
build/modern/linux-amd64/sysupdate version --output text
