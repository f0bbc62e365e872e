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

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
