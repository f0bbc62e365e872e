/* handles.c — the open file and directory handles the kernel holds.
 *
 * The kernel releases each handle it opened, except when the daemon stops
 * first (unmount, a signal, the library gone): then release never comes.
 * Every handle is therefore on one list from open to release, and shutdown
 * disposes of whatever is still on it, so nothing an open file owns (a
 * vault blob, a directory snapshot, its reference to an upload) outlives
 * the daemon unaccounted.
 */
#include "fs/daemon.h"

void handles_init(struct afs *fs)
{
    pthread_mutex_init(&fs->handles_lock, NULL);
    fs->handles.prev = fs->handles.next = &fs->handles;
}

void handles_track(struct afs *fs, struct afs_handle *h, void (*dispose)(struct afs_handle *))
{
    h->dispose = dispose;
    pthread_mutex_lock(&fs->handles_lock);
    h->next = fs->handles.next;
    h->prev = &fs->handles;
    fs->handles.next->prev = h;
    fs->handles.next = h;
    pthread_mutex_unlock(&fs->handles_lock);
}

void handles_release(struct afs *fs, struct afs_handle *h)
{
    pthread_mutex_lock(&fs->handles_lock);
    h->prev->next = h->next;
    h->next->prev = h->prev;
    pthread_mutex_unlock(&fs->handles_lock);
    h->dispose(h);
}

void handles_release_all(struct afs *fs)
{
    while (fs->handles.next != &fs->handles)
        handles_release(fs, fs->handles.next);
    pthread_mutex_destroy(&fs->handles_lock);
}
