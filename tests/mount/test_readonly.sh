#!/usr/bin/env bash
# test_readonly.sh — people without a write role cannot change anything
# (SPEC §4 "EROFS/EPERM for writes where you have no write role").
# On a guest's and an invited person's mount every write — touch, mkdir,
# rm, rmdir, mv, cp into, chmod, chown, ln, ln -s, truncate, >, setfattr —
# fails with EROFS (or EPERM/EACCES) on what they see. On what is hidden
# from them the answer is exactly the answer for a name that never existed
# (ENOENT wherever the path must resolve), so a write reveals nothing.
# A client cannot write, delete or move photos either. Afterwards the mounts
# are healthy, the files read as before and the library is unchanged.
source "$(dirname "$0")/lib.sh"

standard_library
ctl ls >"$S/library-before"
W_ERR='EROFS|EPERM|EACCES'

# tool_fails CMD...: a real tool must fail, saying why in a user's words.
tool_fails() {
    local out
    if out=$(LC_ALL=C "$@" 2>&1 </dev/null); then fail "succeeded: $*"; fi
    [[ "$out" =~ (Read-only\ file\ system|Operation\ not\ permitted|Permission\ denied) ]] ||
        fail "$* failed with: $out"
}
tool_enoent() {
    local out
    if out=$(LC_ALL=C "$@" 2>&1 </dev/null); then fail "succeeded: $*"; fi
    [[ "$out" == *"No such file or directory"* ]] || fail "$* said: $out (expected ENOENT)"
}

echo "local file" >"$S/local.jpg"
tar -C "$S" -cf "$S/local.tar" local.jpg

check_person() {
    local who=$1 m=$2 a=$2/$W f op ghost
    f=$a/Ceremony/IMG_0001.jpg
    cat "$f" >"$S/before.jpg"
    listing_complete "$a/Ceremony" 5

    # --- real tools on visible entries
    tool_fails touch "$f"
    tool_fails touch "$a/Ceremony/new.jpg"
    tool_fails mkdir "$a/Ceremony/New"
    tool_fails mkdir "$a/New set"
    tool_fails mkdir "$m/New album"
    tool_fails rm -f "$f"
    tool_fails rm -rf "$a/Photos"
    tool_fails rmdir "$a/Photos"
    tool_fails mv "$f" "$a/Ceremony/renamed.jpg"
    tool_fails mv "$a/Ceremony" "$a/Renamed"
    tool_fails mv "$f" "$S/stolen.jpg" # a move out: the copy may be made, the unlink must fail
    tool_fails cp "$S/local.jpg" "$a/Ceremony/"
    tool_fails cp "$S/local.jpg" "$f"
    tool_fails cp -r "$S/home" "$a/"
    tool_fails chmod 600 "$f"
    tool_fails chmod 700 "$a/Ceremony"
    tool_fails chown nobody "$f"
    tool_fails ln -s /etc/passwd "$a/Ceremony/link.jpg"
    tool_fails ln "$f" "$a/Ceremony/hard.jpg"
    tool_fails truncate -s 0 "$f"
    tool_fails sh -c 'echo x >"$1"' _ "$f"
    tool_fails sh -c 'echo x >>"$1"' _ "$f"
    tool_fails setfattr -n user.favourite -v 1 "$f"
    tool_fails setfattr -x user.favourite "$f"
    tool_fails tar -C "$a/Ceremony" -xf "$S/local.tar"
    rm -f "$S/stolen.jpg"

    # --- the same through system calls, for every kind of visible entry
    for p in "$f" "$a/Ceremony/contract.pdf" "$a/Ceremony" "$a" ; do
        for op in openw openrw trunc truncate chmod chown utime setxattr removexattr; do
            case $op in open* | trunc | truncate) [ -d "$p" ] && continue ;; esac
            expect_later "$W_ERR" "$op" "$p"
        done
        # (the album into its own set: the kernel answers EINVAL first)
        expect_later "$W_ERR$([ "$p" = "$a" ] && echo '|EINVAL')" rename "$p" "$a/Photos/x"
        expect_later "$W_ERR" link "$p" "$a/Photos/x"
        [ -d "$p" ] && expect_later "$W_ERR|ENOTEMPTY" rmdir "$p"
        [ -d "$p" ] || expect_later "$W_ERR" unlink "$p"
    done
    for op in create mkdir symlink mknod; do
        expect_later "$W_ERR" "$op" "$a/Ceremony/fresh"
        expect_later "$W_ERR" "$op" "$m/fresh"
    done
    expect_now

    # --- hidden entries: like names that never existed
    for hidden in "$a/Ceremony/IMG_0005.jpg" "$a/Outtakes/IMG_0004.jpg" "$a/Getting Ready" "$a/Outtakes"; do
        case $hidden in
        "$a/Ceremony/"*) ghost=$a/Ceremony/never-existed.jpg ;;
        "$a/Outtakes/"*) ghost="$a/Never existed/never-existed.jpg" ;;
        *) ghost="$a/Never existed" ;;
        esac
        for op in openw openrw trunc truncate chmod chown utime setxattr removexattr unlink rmdir \
            create mkdir symlink mknod; do
            expect_later "=$ghost" "$op" "$hidden"
        done
        expect_later "=$ghost" rename "$hidden" "$a/Photos/x"
        expect_later "=$ghost" link "$hidden" "$a/Photos/x"
        expect_later ENOENT chmod "$hidden"
        expect_later ENOENT truncate "$hidden"
        expect_later ENOENT setxattr "$hidden"
        expect_later ENOENT create "$hidden/inside.jpg"
        expect_later ENOENT mkdir "$hidden/inside"
    done
    expect_now
    tool_enoent chmod 600 "$a/Ceremony/IMG_0005.jpg"
    tool_enoent touch "$a/Outtakes/new.jpg"
    tool_enoent mkdir "$a/Getting Ready/New"
    tool_enoent rm "$a/Outtakes/IMG_0004.jpg"
    tool_enoent cp "$S/local.jpg" "$a/Outtakes/new.jpg"
    tool_enoent setfattr -n user.x -v 1 "$a/Ceremony/IMG_0005.jpg"

    # --- Favourites/ (people who keep favourites; docs/filesystem.md): a
    # hidden photo cannot be put there, and trying answers exactly as for a
    # name that never existed; hidden sets have no folder there
    if [ -d "$a/Favourites" ]; then
        local fav=$a/Favourites/Ceremony
        for op in create mknod mkdir symlink; do
            expect_later "=$fav/never-existed.jpg" "$op" "$fav/IMG_0005.jpg"
        done
        expect_later "$(sysop link "$a/Ceremony/IMG_0002.jpg" "$fav/never-existed.jpg")" \
            link "$a/Ceremony/IMG_0002.jpg" "$fav/IMG_0005.jpg"
        for op in stat read listdir getxattr listxattr; do
            expect_later ENOENT "$op" "$fav/IMG_0005.jpg"
            expect_later ENOENT "$op" "$a/Favourites/Getting Ready"
            expect_later ENOENT "$op" "$a/Favourites/Outtakes"
        done
        expect_later ENOENT create "$a/Favourites/Outtakes/IMG_0004.jpg"
        expect_later ENOENT create "$a/Favourites/Getting Ready/IMG_0003.jpg"
        expect_now
        [ -z "$(ls -A "$fav")" ] || fail "$who: Favourites/Ceremony lists $(ls "$fav")"
    fi

    # --- still healthy, nothing changed
    cmp -s "$f" "$S/before.jpg" || fail "$who: the file changed"
    [ "$(ls "$a/Ceremony" | wc -l)" = 5 ] || fail "$who: Ceremony now lists $(ls "$a/Ceremony")"
    want=$(printf '%s\n' Ceremony Photos "READ ME.txt")
    [ "$who" = invited ] && want=$(printf '%s\n' Ceremony Favourites Photos "READ ME.txt")
    [ "$(ls "$a")" = "$want" ] || fail "$who: album now lists $(ls "$a")"
    for g in "$a/Ceremony"/*; do true_size "$g"; done
    daemon_alive "$m" || fail "$who: daemon died"
    ok "$who: every write refused (EROFS/EPERM/EACCES); hidden entries answer like names that never existed"
}

MG=$S/guest MI=$S/invited MC=$S/client
mount_fs "$MG" --link "$TOKEN"
mount_fs "$MI" --user invited@example.com
check_person guest "$MG"
check_person invited "$MI"

# --- a client: may not write, delete or move photos
mount_fs "$MC" --user client@example.com
a=$MC/$W
f=$a/Ceremony/IMG_0005.jpg
listing_complete "$a/Ceremony" 6
for op in openw openrw trunc truncate unlink; do expect_later "$W_ERR" "$op" "$f"; done
expect_later "$W_ERR" rename "$f" "$a/Ceremony/x.jpg"
expect_later "$W_ERR" rename "$f" "$a/Getting Ready/IMG_0005.jpg"
expect_later "$W_ERR" rmdir "$a/Photos"
expect_later "$W_ERR" mkdir "$a/Ceremony/sub"
expect_later "$W_ERR" create "$a/Ceremony/new.jpg"
expect_now
tool_fails rm "$f"
tool_fails mv "$f" "$a/Getting Ready/"
tool_fails cp "$S/local.jpg" "$a/Getting Ready/"
expect_err OK read "$f"
ok "client: cannot write, delete, move or add photos"

ctl ls >"$S/library-after"
diff -u "$S/library-before" "$S/library-after" >&2 || fail "the library changed"
ok "the library is unchanged"
finish
