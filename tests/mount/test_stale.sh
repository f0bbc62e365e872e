#!/usr/bin/env bash
# test_stale.sh — a folder held open follows the catalog (issue 7 finding 4).
# A file manager opens a folder once and re-reads it (rewinddir) to
# refresh; a shell keeps a directory fd. Before the fix, a folder opened
# before a photo was hidden kept listing it from its first snapshot, and
# each readdirplus answer planted the name again in the kernel's cache, so
# `stat` of the now-private photo kept working for up to an hour.
# Here, with folders held open by an invited person and a guest:
#   - the owner marks a photo private: within seconds the held-open folder
#     lists without it, and the name does not resolve — not once in the
#     following seconds, however often the held folder is re-read;
#   - the owner unmarks it: the same folder lists it again;
#   - a set turned client-only: its held-open folder lists nothing and its
#     photos do not resolve.
source "$(dirname "$0")/lib.sh"

standard_library
MI=$S/invited MG=$S/guest
mount_fs "$MI" --user invited@example.com
mount_fs "$MG" --link "$TOKEN"
for m in "$MI" "$MG"; do listing_complete "$m/$W/Ceremony" 5; done

# held_folder DIR NAME ACTION...: hold DIR open, check NAME is listed, run
# ACTION (an albumctl command), then re-read the held folder until NAME is
# gone from it and does not resolve (at most 10 s), and check for 3 s that
# neither the held folder nor a lookup brings it back. Prints the ms it took.
held_folder() {
    "$PYTHON" - "$@" <<'EOF'
import errno, os, subprocess, sys, time
d, name, action = sys.argv[1], sys.argv[2], sys.argv[3:]
fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
if name not in os.listdir(fd):
    sys.exit(f"{name} not listed in {d} before the change")
t0 = time.monotonic()
subprocess.run(action, check=True, stdout=subprocess.DEVNULL)
def resolves():
    try:
        os.stat(os.path.join(d, name))
        return True
    except OSError as e:
        if e.errno != errno.ENOENT:
            sys.exit(f"stat {name}: {e}")
        return False
while name in os.listdir(fd) or resolves():
    if time.monotonic() - t0 > 10:
        sys.exit(f"10 s after the change, the folder held open lists {name}: "
                 f"{name in os.listdir(fd)}; the name resolves: {resolves()}")
    time.sleep(0.05)
took = int((time.monotonic() - t0) * 1000)
end = time.monotonic() + 3
while time.monotonic() < end:
    if name in os.listdir(fd):
        sys.exit(f"the folder held open lists {name} again")
    if resolves():
        sys.exit(f"{name} resolves again after it was hidden")
    time.sleep(0.1)
os.close(fd)
print(took)
EOF
}

# held_back DIR NAME ACTION...: the reverse: NAME appears in the held folder.
held_back() {
    "$PYTHON" - "$@" <<'EOF'
import os, subprocess, sys, time
d, name, action = sys.argv[1], sys.argv[2], sys.argv[3:]
fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
t0 = time.monotonic()
subprocess.run(action, check=True, stdout=subprocess.DEVNULL)
while name not in os.listdir(fd):
    if time.monotonic() - t0 > 30:
        sys.exit(f"the folder held open does not list {name} 30 s after the change")
    time.sleep(0.05)
os.stat(os.path.join(d, name))
print(int((time.monotonic() - t0) * 1000))
EOF
}

# --- a photo marked private by the owner
took=$(held_folder "$MI/$W/Ceremony" IMG_0006.jpg "$ALBUMCTL" photo private "$W/Ceremony/IMG_0006.jpg" on) ||
    fail "invited: $took"
ok "marked private: gone from the invited person's held-open folder in $took ms, and stays unresolvable"
took=$(held_back "$MI/$W/Ceremony" IMG_0006.jpg "$ALBUMCTL" photo private "$W/Ceremony/IMG_0006.jpg" off) ||
    fail "invited, unmarked: $took"
ok "unmarked: back in the same held-open folder in $took ms"

# --- the same for a guest through a link
took=$(held_folder "$MG/$W/Ceremony" IMG_0002.jpg "$ALBUMCTL" photo private "$W/Ceremony/IMG_0002.jpg" on) ||
    fail "guest: $took"
ok "marked private: gone from the guest's held-open folder in $took ms, and stays unresolvable"

# --- a file held open when its photo is hidden: its attributes, and
# extended attributes albumfs does not serve (what `ls -l` and Samba ask),
# answer ENOENT, as for a name never used, not ENODATA
"$PYTHON" - "$MI/$W/Ceremony/IMG_0001.jpg" "$ALBUMCTL" "$W/Ceremony/IMG_0001.jpg" <<'EOF2' ||
import errno, os, subprocess, sys, time
path, ctl, photo = sys.argv[1:]
fd = os.open(path, os.O_RDONLY)
def xattr_errno(name):
    try:
        os.getxattr(fd, name)
        return "OK"
    except OSError as e:
        return errno.errorcode[e.errno]
for name in ("system.posix_acl_access", "security.selinux"):
    if xattr_errno(name) != "ENODATA":
        sys.exit(f"{name} of a visible file: {xattr_errno(name)}, expected ENODATA")
subprocess.run([ctl, "photo", "private", photo, "on"], check=True, stdout=subprocess.DEVNULL)
deadline = time.monotonic() + 10
while True:
    try:
        os.fstat(fd)
    except FileNotFoundError:
        break
    if time.monotonic() > deadline:
        sys.exit("fstat of the hidden photo's open file still answers after 10 s")
    time.sleep(0.05)
for name in ("system.posix_acl_access", "security.selinux", "user.albumfs.private"):
    if xattr_errno(name) != "ENOENT":
        sys.exit(f"{name} of a hidden photo's open file: {xattr_errno(name)}, expected ENOENT")
subprocess.run([ctl, "photo", "private", photo, "off"], check=True, stdout=subprocess.DEVNULL)
EOF2
    fail "a hidden photo's open file"
ok "a file held open when its photo is hidden: fstat and every getxattr answer ENOENT"

# --- a whole set turned client-only while its folder is held open
took=$(held_folder "$MG/$W" Ceremony "$ALBUMCTL" set visibility "$W" Ceremony client) ||
    fail "guest, set: $took"
expect_err ENOENT stat "$MG/$W/Ceremony/IMG_0001.jpg"
expect_err ENOENT listdir "$MG/$W/Ceremony"
ok "set turned client-only: gone from the guest's held-open album folder in $took ms; its photos do not resolve"

finish
