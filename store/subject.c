/* subject.c — catalog rows into policy inputs (see subject.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/subject.h"

void subject_owner(struct af_subject_buf *out)
{
    memset(out, 0, sizeof *out);
    out->subject.kind = AF_PRINCIPAL_OWNER;
    snprintf(out->label, sizeof out->label, "owner");
}

void subject_nobody(struct af_subject_buf *out)
{
    memset(out, 0, sizeof *out);
    out->subject.kind = AF_PRINCIPAL_NOBODY;
    snprintf(out->label, sizeof out->label, "nobody");
}

int subject_for_user(struct af_catalog *c, const struct cat_user *user, struct af_subject_buf *out)
{
    size_t n = 0;
    int rc;

    memset(out, 0, sizeof *out);
    rc = catalog_grants_for_user(c, user->id, &out->grants, &n);
    if (rc < 0)
        return rc;
    out->subject.kind = AF_PRINCIPAL_USER;
    out->subject.user_id = user->id;
    out->subject.grants = out->grants;
    out->subject.n_grants = n;
    snprintf(out->label, sizeof out->label, "%s", user->email);
    return 0;
}

int subject_for_link(struct af_catalog *c, const struct cat_link *link, struct af_subject_buf *out)
{
    size_t n = 0;
    int rc;

    memset(out, 0, sizeof *out);
    rc = catalog_grants_for_link(c, link->id, &out->grants, &n);
    if (rc < 0)
        return rc;
    out->subject.kind = AF_PRINCIPAL_LINK;
    out->subject.link_id = link->id;
    out->subject.grants = out->grants;
    out->subject.n_grants = n;
    snprintf(out->label, sizeof out->label, "link:%lld", (long long)link->id);
    return 0;
}

void subject_release(struct af_subject_buf *s)
{
    free(s->grants);
    s->grants = NULL;
    s->subject.grants = NULL;
    s->subject.n_grants = 0;
}

void entry_for_album(const struct cat_album *a, struct af_entry *out)
{
    memset(out, 0, sizeof *out);
    out->kind = AF_ENTRY_ALBUM;
    out->album_id = a->id;
    out->album_allows_private_marks = a->clients_may_mark_private;
}

void entry_for_set(const struct cat_album *a, const struct cat_set *s, struct af_entry *out)
{
    entry_for_album(a, out);
    out->kind = AF_ENTRY_SET;
    out->set_id = s->id;
    out->set_visibility = s->visibility;
}

void entry_for_photo(const struct cat_album *a, const struct cat_set *s, const struct cat_photo *p,
                     struct af_entry *out)
{
    entry_for_set(a, s, out);
    out->kind = p->kind == MEDIA_DOCUMENT ? AF_ENTRY_DOCUMENT : AF_ENTRY_PHOTO;
    out->is_private = p->is_private;
    out->trashed = p->trashed != 0;
}

void entry_for_any_photo(const struct cat_album *a, const struct cat_set *s,
                         struct af_entry *out)
{
    struct cat_photo any;

    memset(&any, 0, sizeof any);
    any.kind = MEDIA_PHOTO;
    entry_for_photo(a, s, &any, out);
}

enum cat_name_kind subject_name_kind(const struct af_subject *who, const struct cat_album *a,
                                     const struct cat_set *s, af_time now)
{
    struct af_entry e;

    entry_for_any_photo(a, s, &e);
    return policy_default_view(who, &e, now) == AF_VIEW_ORIGINAL ? CAT_NAME_OWN : CAT_NAME_VIEW;
}

const char *photo_file_name(const struct cat_photo *p, enum cat_name_kind kind)
{
    return kind == CAT_NAME_VIEW ? p->view_name : p->name;
}

unsigned subject_offered_views(const struct af_subject *who, const struct af_entry *e,
                               af_time now)
{
    unsigned views = policy_views(who, e, now);

    if (views & AF_VIEW_ORIGINAL)
        views &= ~(unsigned)AF_VIEW_HIGHRES;
    return views;
}
