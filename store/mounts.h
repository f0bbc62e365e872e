/* mounts.h — which albumfs daemons serve a library now.
 *
 * Each daemon registers itself, once mounted, in the library's run/ folder
 * (mode 0700, like the library): a file run/albumfs-<pid> (0600, owned by
 * the library's owner) that says its pid, when it started, whom it serves
 * and its mountpoint. It removes the file when it stops; a daemon that was
 * killed leaves it behind, and the next one to register removes the files
 * of daemons that are gone. A reader (albumctl status) trusts none of it
 * blindly: an entry's daemon is running when its pid is alive and is an
 * albumfs process, and its mount is up when /proc/self/mountinfo lists a
 * fuse.albumfs mount at its mountpoint.
 * No state; no threads of its own. Errors are negative errnos.
 */
#ifndef ALBUMFS_MOUNTS_H
#define ALBUMFS_MOUNTS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "policy/names.h"
#include "policy/policy.h"

#define MOUNTS_DIR "run"

struct mount_entry {
    pid_t pid;
    af_time started;
    char serves[AF_EMAIL_MAX + 16]; /* "owner", an e-mail, "link:ID", "multi-user" */
    char mountpoint[PATH_MAX];
    bool running; /* the pid is a live albumfs process */
    bool up;      /* a fuse.albumfs mount is at mountpoint */
};

/* Register this process (getpid()) as serving `serves` at `mountpoint`
 * from the library in libdir, the file owned by owner_uid. Writes the
 * file's path into path[len] (for mounts_unregister). 0 or negative errno. */
int mounts_register(const char *libdir, uid_t owner_uid, const char *mountpoint,
                    const char *serves, char *path, size_t len);
/* Remove the file mounts_register wrote (path "" : nothing to do). */
void mounts_unregister(const char *path);

/* Every registered daemon of the library, checked as said above, by pid
 * (malloc'd; caller frees with free()). No run/ folder: 0 entries. */
int mounts_list(const char *libdir, struct mount_entry **rows, size_t *n);

#endif
