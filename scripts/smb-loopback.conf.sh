#!/usr/bin/env bash
# smb-loopback.conf.sh DIR PORT — print the [global] section of an smb.conf
# for a private smbd on 127.0.0.1:PORT whose state lives under DIR (made
# here): what the re-export tests (tests/mount/reexport_lib.sh) and the
# remote benchmark (bench/run.sh -t remote) serve their shares with. The
# caller appends its shares. Not a production configuration: the studio's
# is the distribution's smb.conf with the share of docs/reexport.md.
set -euo pipefail
dir=${1:?usage: smb-loopback.conf.sh DIR PORT} port=${2:?usage: smb-loopback.conf.sh DIR PORT}
mkdir -p "$dir"/{private,lock,state,cache,pid,ncalrpc}
cat <<CONF
[global]
    workgroup = ALBUMFS
    server role = standalone server
    smb ports = $port
    interfaces = lo
    bind interfaces only = yes
    disable netbios = yes
    server min protocol = SMB2
    passdb backend = tdbsam:$dir/private/passdb.tdb
    private dir = $dir/private
    lock directory = $dir/lock
    state directory = $dir/state
    cache directory = $dir/cache
    pid directory = $dir/pid
    ncalrpc dir = $dir/ncalrpc
    log file = $dir/log.%m
    map to guest = never
    load printers = no
    printcap name = /dev/null
    disable spoolss = yes
CONF
