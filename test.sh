#!/usr/bin/env bash
# The test command: builds every module and runs all unit and end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")"
exec mvn -B -ntp verify "$@"
