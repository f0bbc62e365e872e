/* actor.c — the acting person of a change (see actor.h). */
#include "changes/actor.h"

#include <string.h>

void change_actor_owner(struct change_actor *out, struct af_subject_buf *buf)
{
    subject_owner(buf);
    memset(out, 0, sizeof *out);
    out->who = &buf->subject;
    out->label = buf->label; /* "owner" */
}

enum af_role change_actor_role(const struct change_actor *a, int64_t album_id, af_time now,
                               int64_t *via)
{
    if (via)
        *via = 0;
    return policy_album_role(a->who, album_id, now, via);
}
