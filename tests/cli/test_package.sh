#!/usr/bin/env bash
# test_package.sh — installing albumfs: `cmake --install` puts every file
# under --prefix (and DESTDIR) and lists each in the manifest; the units
# name the installed binaries; albumctl(1) and the bash completion come
# from the command tables (every command documented, every command and
# option completed); albumfs(1) names every option `albumfs --help` does;
# the Debian package (cpack -G DEB) holds the same files, declares its
# libraries, and — as root — installs, runs and removes without a trace.
# The installed albumctl finds the installed image module (an import).
source "$(dirname "$0")/lib.sh"

: "${BUILD_DIR:?set BUILD_DIR to the build directory}"
command -v cmake >/dev/null || { echo "SKIP: no cmake"; exit 77; }
ALBUMFS=$(dirname "$ALBUMCTL")/../fs/albumfs
img "$S/photo.jpg"

# installed_import ALBUMCTL: that albumctl makes a library and imports a
# photo, which loads its image module (media/media_lazy.c).
installed_import() {
    local lib=$S/lib-$RANDOM
    "$1" --library "$lib" init >/dev/null &&
        "$1" --library "$lib" album create A >/dev/null &&
        "$1" --library "$lib" import A/Photos "$S/photo.jpg" >/dev/null
}

# --- cmake --install --prefix P: everything under P, everything listed
P=$S/prefix
cmake --install "$BUILD_DIR" --prefix "$P" >"$S/install.out" 2>&1 || fail "install: $(cat "$S/install.out")"
outside=$(grep -v "^$P/" "$BUILD_DIR/install_manifest.txt" || true)
[ -z "$outside" ] || fail "installed outside the prefix: $outside"
diff <(sort "$BUILD_DIR/install_manifest.txt") <(find "$P" ! -type d | sort) >&2 ||
    fail "the manifest and the files installed differ"
for f in bin/albumfs bin/albumctl bin/albumfs-link-login bin/albumfs-webdav \
    sbin/mount.fuse.albumfs share/man/man1/albumfs.1 lib/systemd/system/albumfs-webdav.service \
    share/man/man1/albumctl.1 share/bash-completion/completions/albumctl \
    share/doc/albumfs/README.md share/doc/albumfs/cli.md share/doc/albumfs/security.md \
    lib/systemd/system/albumfs@.service lib/systemd/system/albumfs-backup.service \
    lib/systemd/system/albumfs-backup.timer lib/systemd/user/albumfs-backup.service; do
    [ -e "$P/$f" ] || [ -L "$P/$f" ] || fail "not installed: $f"
done
[ "$(readlink "$P/sbin/mount.fuse.albumfs")" = /sbin/mount.fuse3 ] || fail "the mount helper link"
grep -q "^ExecStart=$P/bin/albumfs " "$P/lib/systemd/system/albumfs@.service" ||
    fail "the mount unit does not run the installed albumfs: $(grep ExecStart "$P/lib/systemd/system/albumfs@.service")"
grep -q "^ExecStart=$P/bin/albumctl " "$P/lib/systemd/system/albumfs-backup.service" ||
    fail "the backup unit does not run the installed albumctl"
grep -q "^ExecStart=$P/bin/albumfs-webdav " "$P/lib/systemd/system/albumfs-webdav.service" ||
    fail "the WebDAV unit does not run the installed albumfs-webdav"
ok "cmake --install --prefix: every file under the prefix and in the manifest; units name the installed binaries"
module=$(grep '/albumfs/albumfs-media\.so$' "$BUILD_DIR/install_manifest.txt") ||
    fail "the image module is not installed"
module=${module#"$P/"}
installed_import "$P/bin/albumctl" || fail "the installed albumctl cannot import (its image module: $module)"
ok "the installed albumctl loads the installed image module $module"

D=$S/destdir
DESTDIR=$D cmake --install "$BUILD_DIR" --prefix /usr >"$S/install.out" 2>&1 || fail "install: $(cat "$S/install.out")"
[ -z "$(find "$D" -mindepth 1 -maxdepth 1 ! -name usr)" ] || fail "DESTDIR install wrote beside usr/: $(ls "$D")"
[ -x "$D/usr/bin/albumfs" ] && [ -L "$D/usr/sbin/mount.fuse.albumfs" ] || fail "DESTDIR install incomplete"
grep -q '^ExecStart=/usr/bin/albumfs ' "$D/usr/lib/systemd/system/albumfs@.service" ||
    fail "under DESTDIR the unit names the final path"
installed_import "$D/usr/bin/albumctl" || fail "the albumctl staged under DESTDIR cannot import"
ok "DESTDIR staging: everything under DESTDIR/usr, units naming /usr/bin, albumctl finding its module"

# --- the manual pages
man1=$P/share/man/man1
if command -v man >/dev/null; then
    for page in albumctl albumfs; do
        MANWIDTH=80 man --warnings -l "$man1/$page.1" >"$S/$page.txt" 2>"$S/$page.warn" ||
            fail "man $page.1 failed: $(cat "$S/$page.warn")"
        [ ! -s "$S/$page.warn" ] || fail "$page.1 has warnings: $(cat "$S/$page.warn")"
    done
fi
# every command and subcommand --help lists has its section in albumctl(1)
expect 0 --help
grep '^  [a-z]' "$OUT" | while read -r cmd sub _; do
    name=$cmd
    [[ $sub =~ ^\[?[a-z][a-z-]*\]?$ ]] && name="$cmd $sub" # a subcommand ([add]: the implicit one)
    grep -qxF ".SS $(sed 's/-/\\-/g' <<<"$name")" "$man1/albumctl.1" || fail "albumctl.1 has no section for '$name'"
done
# every option of albumfs --help is in albumfs(1)
"$ALBUMFS" --help >"$S/albumfs.help" 2>&1 || true
grep -o -- '--[a-z][a-z-]*' "$S/albumfs.help" | sort -u | while read -r o; do
    grep -qF -- "$(sed 's/-/\\-/g' <<<"$o")" "$man1/albumfs.1" || fail "albumfs.1 does not name $o"
done
ok "albumctl.1 has a section per command from the tables; albumfs.1 names every option; both render without warnings"

# --- bash completion, as bash loads it
comp=$P/share/bash-completion/completions/albumctl
bash -n "$comp" || fail "the completion is not valid bash"
complete_words() {
    bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _albumctl
             printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@"
}
[ "$(complete_words albumctl se)" = set ] || fail "albumctl se<TAB>: $(complete_words albumctl se)"
[ "$(complete_words albumctl set "" | tr '\n' ' ')" = "create visibility list rename delete " ] ||
    fail "albumctl set <TAB>: $(complete_words albumctl set "")"
[ "$(complete_words albumctl --library /x set create A S --vis)" = --visibility ] || fail "set create --vis<TAB>"
[ "$(complete_words albumctl grant "Smith Wedding" --rol)" = --role ] || fail "grant ALBUM --rol<TAB>"
[ -z "$(complete_words albumctl import "")" ] || fail "import <TAB> should complete file names"
expect 0 --help
offered=$(complete_words albumctl "")
for cmd in $(sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' "$OUT" | sort -u); do
    grep -qx "$cmd" <<<"$offered" || fail "albumctl <TAB> does not offer $cmd"
done
ok "bash completion: commands, subcommands and their options; file names elsewhere"

# --- the Debian package
if ! command -v dpkg-deb >/dev/null || ! command -v cpack >/dev/null || ! command -v dpkg-shlibdeps >/dev/null; then
    echo "SKIP: no dpkg-deb, cpack or dpkg-shlibdeps: the package is not tested"
    exit 0
fi
# From the DESTDIR tree staged above: cpack's own install step would first
# build the "preinstall" target, relinking binaries other tests are running.
(cd "$S" && cpack -G DEB -B "$S/pkg" --config "$BUILD_DIR/CPackConfig.cmake" \
    -D CPACK_INSTALL_CMAKE_PROJECTS= -D "CPACK_INSTALLED_DIRECTORIES=$D/usr;/usr") >"$S/cpack.out" 2>&1 ||
    fail "cpack: $(tail -20 "$S/cpack.out")"
deb=$(ls "$S"/pkg/albumfs_*.deb)
dpkg-deb -c "$deb" | awk '{print $6}' >"$S/deb.files"
for f in ./usr/bin/albumfs ./usr/bin/albumctl ./usr/bin/albumfs-link-login ./usr/bin/albumfs-webdav \
    ./usr/sbin/mount.fuse.albumfs ./usr/share/man/man1/albumctl.1 ./usr/lib/systemd/system/albumfs-webdav.service \
    ./usr/lib/systemd/system/albumfs@.service ./usr/share/bash-completion/completions/albumctl \
    ./usr/share/doc/albumfs/README.md "./usr/$module"; do
    grep -qxF "$f" "$S/deb.files" || fail "the package lacks $f"
done
depends=$(dpkg-deb -f "$deb" Depends)
for lib in fuse3 libfuse3 libsodium libvips libsqlite3; do
    grep -q "$lib" <<<"$depends" || fail "the package does not depend on $lib: $depends"
done
ok "cpack -G DEB: the files under /usr, depends on fuse3 and its libraries ($(basename "$deb"))"

if [ "$(id -u)" != 0 ] || dpkg-query -W albumfs >/dev/null 2>&1; then
    echo "SKIP: installing the package needs root and a machine without albumfs installed"
    exit 0
fi
trap 'dpkg --purge albumfs >/dev/null 2>&1; chmod -R u+rwX "$S" 2>/dev/null; rm -rf "$S"' EXIT
dpkg -i "$deb" >"$S/dpkg.out" 2>&1 || fail "dpkg -i: $(cat "$S/dpkg.out")"
/usr/bin/albumfs --version | grep -q "^albumfs " || fail "installed albumfs --version"
/usr/bin/albumctl --version | grep -q "^albumctl (albumfs) " || fail "installed albumctl --version"
ALBUMFS_LIBRARY=$S/pkglib /usr/bin/albumctl init >/dev/null || fail "the installed albumctl cannot make a library"
installed_import /usr/bin/albumctl || fail "the installed albumctl cannot import (its image module: /usr/$module)"
if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify --man=no /usr/lib/systemd/system/albumfs-backup.service \
        /usr/lib/systemd/system/albumfs-backup.timer >"$S/verify.out" 2>&1 ||
        fail "the installed units do not verify: $(cat "$S/verify.out")"
fi
dpkg-query -L albumfs >"$S/owned"
dpkg --purge albumfs >"$S/dpkg.out" 2>&1 || fail "dpkg --purge: $(cat "$S/dpkg.out")"
while read -r f; do
    if [ -L "$f" ] || [ -f "$f" ]; then fail "left after removal: $f"; fi
done <"$S/owned"
ok "dpkg -i installs a working albumfs and albumctl (imports included); dpkg --purge leaves none of its files"
