/* parallel.h — one job per blob file, on a few threads at once: restores
 * copy and authenticate blob files this way, so that waiting for the disk
 * (reads, fsyncs) and decrypting overlap.
 *
 * Threading: jobs run on `threads` threads of their own and must be safe
 * to run at once (each touches only its own item; vaults may be shared,
 * vault.h). The progress callback is called from the calling thread only,
 * which waits for the workers. No job starts after one failed.
 */
#ifndef ALBUMFS_BACKUP_PARALLEL_H
#define ALBUMFS_BACKUP_PARALLEL_H

#include <stddef.h>
#include <stdint.h>

#include "backup/backup.h"

#define PARALLEL_THREADS 4

/* Item i's job: 0 with *bytes its size for the progress, or a negative
 * errno. */
typedef int (*parallel_job_fn)(void *arg, size_t i, uint64_t *bytes);

/* Run job(arg, i) for every i in [0, n). pr holds the totals; files_done
 * and bytes_done grow as jobs end and progress(parg, pr) is called (may be
 * NULL). 0, or the first error with *failed the index of its item. */
int parallel_run(size_t n, parallel_job_fn job, void *arg, struct backup_progress *pr,
                 backup_progress_fn progress, void *parg, size_t *failed)
    __attribute__((warn_unused_result));

#endif
