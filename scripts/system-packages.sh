#!/usr/bin/env bash
# Install the Debian packages named, each only when what it provides is missing, and only
# as root; otherwise say what to install and fail.
#   scripts/system-packages.sh COMMAND=PACKAGE ...   (COMMAND may be a glob of a file)
set -euo pipefail
missing=""
for pair in "$@"; do
  provides=${pair%%=*} package=${pair#*=}
  if [[ $provides == /* ]]; then
    # shellcheck disable=SC2086
    ls $provides >/dev/null 2>&1 && continue
  else
    command -v "$provides" >/dev/null && continue
  fi
  missing="$missing $package"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing:$missing"
  apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
else
  echo "FAILED: this needs$missing; install them (apt-get install$missing)" >&2
  exit 1
fi
