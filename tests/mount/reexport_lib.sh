# reexport_lib.sh — the file servers of docs/reexport.md, on loopback, for
# the re-export tests (test_reexport.sh, test_reexport_upload.sh).
#
# Sourced after lib.sh (which has as_user, free_port, listening), not
# run. Gives:
#   reexport_tools             exit 77 when smbd, smbclient, sshd, sftp or
#                              sshfs is missing
#   reexport_user NAME         a Unix account NAME (lib.sh's unix_users), no
#                              password but not locked
#   smb_start MNT READONLY USERS...
#                              smbd with a private smb.conf: share "albums",
#                              path MNT/%U, `read only = READONLY` (yes|no),
#                              the recipe's two lines of
#                              scripts/smb-loopback.conf.sh (Samba's defaults
#                              with SMB_SAMBA_DEFAULTS=1), a password
#                              secret-USER for each of USERS
#   smb USER COMMANDS          one smbclient session as USER
#   sshd_start MNT USERS...    sshd with a private sshd_config (again
#                              after stop_servers: new keys, new port),
#                              ForceCommand internal-sftp -d MNT/%u, a key
#                              for each of USERS
#   sftp_as USER BATCH         one sftp session (batch mode) as USER
#   sshfs_mount USER DIR       sshfs of USER's session on DIR
# The servers run in sessions of their own (setsid), their pids in
# EXTRA_PIDS: lib.sh's stop_servers and trap stop them.

reexport_tools() {
    local tool
    for tool in smbd smbclient smbpasswd /usr/sbin/sshd sftp sshfs ssh-keygen; do
        if ! command -v "$tool" >/dev/null; then
            echo "SKIP: $tool is not installed (scripts/install-deps.sh installs it)"
            exit 77
        fi
    done
}

reexport_user() {
    unix_users "$1"
    # '!' (locked) would make sshd refuse even key logins; '*' has no
    # password either, and is not locked.
    usermod -p '*' "$1"
}

SMB=$S/smb
smb_start() {
    local mnt=$1 readonly=$2 u
    shift 2
    SMBPORT=$(free_port)
    mkdir -p "$SMB"
    {
        "$TESTS_DIR/../scripts/smb-loopback.conf.sh" "$SMB" "$SMBPORT" \
            "$([ "${SMB_SAMBA_DEFAULTS:-0}" = 1 ] && echo samba-defaults)"
        cat <<EOF
[albums]
    path = $mnt/%U
    read only = $readonly
    valid users = $*
EOF
    } >"$SMB/smb.conf"
    for u in "$@"; do
        printf 'secret-%s\nsecret-%s\n' "$u" "$u" | smbpasswd -c "$SMB/smb.conf" -s -a "$u" >/dev/null
    done
    # setsid: a server in a session of its own; stopping it must not signal
    # this test's process group.
    setsid smbd --foreground --no-process-group -s "$SMB/smb.conf" >"$SMB/smbd.out" 2>&1 &
    EXTRA_PIDS+=("$!")
    wait_for 15 listening "$SMBPORT" || fail "smbd did not listen: $(tail -5 "$SMB/smbd.out")"
}

smb() {
    smbclient "//127.0.0.1/albums" -p "$SMBPORT" -m SMB3 -U "$1%secret-$1" -c "$2"
}

SSH=$S/ssh
sshd_start() {
    local mnt=$1 u
    shift
    SSHPORT=$(free_port)
    mkdir -p "$SSH/keys" /run/sshd
    chmod 0755 "$SSH" "$SSH/keys"
    rm -f "$SSH/host" "$SSH/host.pub" # new keys each start (a test may restart it)
    ssh-keygen -q -t ed25519 -N '' -f "$SSH/host" >/dev/null
    for u in "$@"; do
        rm -f "$SSH/id-$u" "$SSH/id-$u.pub"
        ssh-keygen -q -t ed25519 -N '' -f "$SSH/id-$u" >/dev/null
        cp "$SSH/id-$u.pub" "$SSH/keys/$u"
        chmod 0644 "$SSH/keys/$u"
    done
    cat >"$SSH/sshd_config" <<EOF
Port $SSHPORT
ListenAddress 127.0.0.1
HostKey $SSH/host
PidFile $SSH/sshd.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile $SSH/keys/%u
StrictModes no
AllowUsers $*
AllowTcpForwarding no
X11Forwarding no
PermitTTY no
Subsystem sftp internal-sftp
ForceCommand internal-sftp -d $mnt/%u
EOF
    /usr/sbin/sshd -t -f "$SSH/sshd_config" || fail "sshd rejects the documented configuration"
    setsid /usr/sbin/sshd -D -e -f "$SSH/sshd_config" 2>"$SSH/sshd.log" &
    EXTRA_PIDS+=("$!")
    wait_for 15 listening "$SSHPORT" || fail "sshd did not listen: $(tail -5 "$SSH/sshd.log")"
}

sftp_as() {
    sftp -q -b - -P "$SSHPORT" -i "$SSH/id-$1" -o StrictHostKeyChecking=no \
        -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR "$1@127.0.0.1" <<<"$2"
}

sshfs_mount() {
    mkdir -p "$2"
    sshfs -p "$SSHPORT" "$1@127.0.0.1:" "$2" -o "IdentityFile=$SSH/id-$1" \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
        -o LogLevel=ERROR || fail "sshfs as $1: $(tail -5 "$SSH/sshd.log")"
    MOUNTS+=("$2")
}
