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
  libcurl4-openssl-dev  # SMTP delivery of notifications (store/mail_smtp.c)
  libimage-exiftool-perl imagemagick attr rsync util-linux procps iproute2
  # The fuzzers (tests/fuzz, scripts/fuzz.sh): clang, and libFuzzer with
  # the sanitizer runtimes, which Debian ships in libclang-rt-14-dev (only
  # recommended by clang, so named here).
  clang libclang-rt-14-dev
  libglib2.0-bin
  faketime  # tests/cli/test_backup_schedule.sh moves the clock
  # tests/cli/test_package.sh: the manual pages rendered, the .deb built
  man-db groff-base dpkg-dev
  # tests/cli/test_notify_smtp.sh: a local SMTP server (STARTTLS, AUTH) on
  # loopback, started and stopped by the test, with a certificate openssl makes
  python3-aiosmtpd openssl
)

# A local MTA for tests/cli/test_notify_mta.sh (skipped without one), only
# where there is no MTA at all: apt would replace another (postfix, ...).
mta=()
[ -e /usr/sbin/sendmail ] || mta=(exim4-daemon-light)

# The file servers of tests/mount/test_reexport.sh (Samba and SFTP on
# loopback) and tests/mount/test_webdav.sh (rclone's WebDAV server, davfs2
# as its client); skipped without them. They are servers: a machine that
# did not have them gets them installed but not running (below).
# ALBUMFS_NO_SERVERS=1 leaves them out.
servers=(samba smbclient openssh-server openssh-client sshfs rclone davfs2 openssl)
[ "${ALBUMFS_NO_SERVERS:-0}" = 1 ] && servers=()

is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=() new_servers=()
for p in "${packages[@]}"; do
  is_installed "$p" || missing+=("$p")
done
for p in "${servers[@]}"; do
  is_installed "$p" || new_servers+=("$p")
done
if [ ${#missing[@]} -eq 0 ] && [ ${#mta[@]} -eq 0 ] && [ ${#new_servers[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ${#new_servers[@]} -gt 0 ]; then
  echo "install-deps: installing ${new_servers[*]} for the re-export tests; their services stay stopped" >&2
  # policy-rc.d answers 101 ("not allowed") to the packages' service starts;
  # one that was already there is left alone.
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 0755 "$policy"
  fi
  rc=0
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${new_servers[@]}" >/dev/null || rc=$?
  [ -z "$policy" ] || $sudo rm -f "$policy"
  # Under systemd the packages also enable their units for the next boot:
  # disable those of the packages installed just now (never a running sshd
  # that was there before).
  if [ -d /run/systemd/system ]; then
    units=()
    for p in "${new_servers[@]}"; do
      case $p in
      samba) units+=(smbd nmbd samba-ad-dc) ;;
      openssh-server) units+=(ssh) ;;
      esac
    done
    [ ${#units[@]} -eq 0 ] || $sudo systemctl disable --now "${units[@]}" >/dev/null 2>&1 || true
  fi
  if [ "$rc" != 0 ]; then
    echo "install-deps: ${new_servers[*]} did not install; tests/mount/test_reexport.sh and test_webdav.sh will be skipped" >&2
  fi
fi
if [ ${#mta[@]} -gt 0 ]; then
  echo "install-deps: installing ${mta[*]} (a local MTA for the notification test)" >&2
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${mta[@]}" >/dev/null; then
    # Optional: leave no half-configured package behind for later installs.
    echo "install-deps: ${mta[*]} did not install; tests/cli/test_notify_mta.sh will be skipped" >&2
    $sudo dpkg --purge exim4-daemon-light exim4-base exim4-config >/dev/null 2>&1 || true
  fi
fi
