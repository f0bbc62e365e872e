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

/* A client door lives only as long as its link: its grants end when the
 * link's last unrevoked grant ends (each expiry capped by the latest of
 * those), and count for nothing once they are all revoked. *n may shrink
 * to 0. */
static int cap_by_link(struct af_catalog *c, int64_t link_id, struct af_grant *grants, size_t *n)
{
    struct af_grant *own = NULL;
    size_t n_own = 0;
    bool open = false, forever = false;
    af_time until = 0;
    int rc = catalog_grants_for_link(c, link_id, &own, &n_own);

    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n_own; i++) {
        if (own[i].revoked)
            continue;
        open = true;
        if (own[i].expires == 0)
            forever = true;
        else if (own[i].expires > until)
            until = own[i].expires;
    }
    free(own);
    if (!open)
        *n = 0;
    for (size_t i = 0; i < *n && !forever; i++)
        if (grants[i].expires == 0 || grants[i].expires > until)
            grants[i].expires = until;
    return 0;
}

/* Whether the password a login was checked against is still the link's. */
static int login_holds(struct af_catalog *c, const struct cat_link *link, bool *holds)
{
    struct cat_link now;
    int rc = catalog_link_by_id(c, link->id, &now);

    *holds = false;
    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return rc;
    *holds = strcmp(now.password_hash, link->password_hash) == 0;
    return 0;
}

int subject_for_link(struct af_catalog *c, const struct cat_link *link, struct af_subject_buf *out)
{
    size_t n = 0;
    bool holds = false;
    int rc;

    memset(out, 0, sizeof *out);
    rc = login_holds(c, link, &holds);
    if (rc == 0 && holds)
        rc = catalog_grants_for_link(c, link->id, &out->grants, &n);
    if (rc == 0 && link->door_of > 0)
        rc = cap_by_link(c, link->door_of, out->grants, &n);
    if (rc < 0) {
        free(out->grants);
        out->grants = NULL;
        return rc;
    }
    out->subject.kind = AF_PRINCIPAL_LINK;
    out->subject.link_id = link->id;
    out->subject.client_door = link->door_of > 0;
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

int subject_rules_pools(struct af_catalog *c, struct rules_facts *f)
{
    for (size_t i = 0; i < f->n_pools; i++) {
        struct cat_pool pool;
        int rc = catalog_pool_by_id(c, f->pools[i].pool_id, &pool);

        if (rc == -ENOENT)
            continue;
        if (rc < 0)
            return rc;
        f->pools[i].limit = pool.limit;
        f->pools[i].used = pool.used;
    }
    return 0;
}

int subject_rules_facts(struct af_catalog *c, const struct af_subject *who,
                        const struct cat_album *a, af_time now, struct rules_facts *out)
{
    rules_facts_for(who, a->id, a->clients_may_mark_private, now, out);
    return subject_rules_pools(c, out);
}
