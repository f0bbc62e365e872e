#!/bin/sh
# maildir-deliver.sh DIR — a delivery command for tests: files the message
# on stdin into the Maildir DIR (creating it), the way a mail delivery agent
# does: written whole under DIR/tmp/, then renamed into DIR/new/ so a reader
# never sees half a message. Exit 0 when filed, 1 otherwise.
set -eu
dir=${1:?usage: maildir-deliver.sh DIR}
mkdir -p "$dir/tmp" "$dir/new" "$dir/cur"
name="$(date +%s).$$_$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n').$(uname -n | tr '/:' '__')"
trap 'rm -f "$dir/tmp/$name"' EXIT
cat >"$dir/tmp/$name"
mv "$dir/tmp/$name" "$dir/new/$name"
trap - EXIT
