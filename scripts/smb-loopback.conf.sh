#!/usr/bin/env bash
# smb-loopback.conf.sh DIR PORT [samba-defaults] — print the [global]
# section of an smb.conf for a private smbd on 127.0.0.1:PORT whose state
# lives under DIR (made here): what the re-export tests
# (tests/mount/reexport_lib.sh) and the remote benchmark (bench/run.sh -t
# remote) serve their shares with. Every share gets docs/reexport.md's
# `ea support = no` and `store dos attributes = no`, unless the third
# argument is `samba-defaults` (a studio that kept Samba's: DOS attributes
# go to user.DOSATTRIB). The caller appends its shares. Not a production
# configuration: the studio's is the distribution's smb.conf with the share
# of docs/reexport.md.
set -euo pipefail
usage="usage: smb-loopback.conf.sh DIR PORT [samba-defaults]"
dir=${1:?$usage} port=${2:?$usage} defaults=${3:-}
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
[ "$defaults" = samba-defaults ] || printf '    ea support = no\n    store dos attributes = no\n'
