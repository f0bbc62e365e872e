#!/usr/bin/env bash
# install-deps.sh — install what albumfs needs to build, test and demo on
# Debian 12 (apt-get; run as root or with sudo). Skips the download when
# everything is already installed.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libfuse3-dev fuse3
  libsqlite3-dev sqlite3
  libsodium-dev
  libvips-dev libvips-tools libglib2.0-dev
  libcmocka-dev
  libimage-exiftool-perl imagemagick attr rsync util-linux procps
)

# A local MTA for tests/cli/test_notify_mta.sh (skipped without one), only
# where there is no MTA at all: apt would replace another (postfix, ...).
mta=()
[ -e /usr/sbin/sendmail ] || mta=(exim4-daemon-light)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ] && [ ${#mta[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ${#mta[@]} -gt 0 ]; then
  echo "install-deps: installing ${mta[*]} (a local MTA for the notification test)" >&2
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${mta[@]}" >/dev/null; then
    # Optional: leave no half-configured package behind for later installs.
    echo "install-deps: ${mta[*]} did not install; tests/cli/test_notify_mta.sh will be skipped" >&2
    $sudo dpkg --purge exim4-daemon-light exim4-base exim4-config >/dev/null 2>&1 || true
  fi
fi
