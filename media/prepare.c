/* prepare.c — making the views people will browse, ahead of time (prepare.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "media/prepare.h"
#include "media/renditions.h"
#include "store/subject.h"

/* The people to prepare for: the studio's standard client, the owner, and
 * one subject per distinct user or link with a live grant on the album. */
struct people {
    struct af_subject_buf *v;
    size_t n, cap;
    struct af_grant standard; /* a default client grant, for the standard proof */
};

static struct af_subject_buf *person_slot(struct people *p)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        struct af_subject_buf *v = realloc(p->v, cap * sizeof *v);

        if (!v)
            return NULL;
        p->v = v;
        p->cap = cap;
    }
    return &p->v[p->n++];
}

static bool have_user(const struct people *p, int64_t user_id)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i].subject.kind == AF_PRINCIPAL_USER && p->v[i].subject.user_id == user_id)
            return true;
    return false;
}

static int add_user(struct people *p, struct af_catalog *c, const struct cat_user *u)
{
    struct af_subject_buf *s;

    if (have_user(p, u->id))
        return 0;
    s = person_slot(p);
    if (!s)
        return -ENOMEM;
    if (subject_for_user(c, u, s) < 0) {
        p->n--;
        return -EIO;
    }
    return 0;
}

static int add_grantee(struct people *p, struct af_catalog *c, const struct cat_grant *g)
{
    struct cat_user u, *members = NULL;
    size_t n = 0;
    int rc = 0;

    switch (g->principal) {
    case CAT_PRINCIPAL_USER:
        if (catalog_user_by_email(c, g->principal_name, &u) == 0)
            rc = add_user(p, c, &u);
        break;
    case CAT_PRINCIPAL_TEAM:
        rc = catalog_team_members(c, g->principal_id, &members, &n);
        for (size_t i = 0; rc == 0 && i < n; i++)
            rc = add_user(p, c, &members[i]);
        free(members);
        break;
    case CAT_PRINCIPAL_LINK: {
        struct cat_link link = {.id = g->principal_id, .album_id = g->grant.album_id};
        struct af_subject_buf *s = person_slot(p);

        if (!s)
            return -ENOMEM;
        if (subject_for_link(c, &link, s) < 0) {
            p->n--;
            rc = -EIO;
        }
        break;
    }
    }
    return rc;
}

static void release_people(struct people *p)
{
    for (size_t i = 0; i < p->n; i++)
        subject_release(&p->v[i]);
    free(p->v);
}

static int gather(struct people *p, struct af_catalog *c, int64_t album_id, af_time now)
{
    struct cat_grant *grants = NULL;
    struct af_subject_buf *s;
    size_t n = 0;
    int rc;

    memset(&p->standard, 0, sizeof p->standard);
    p->standard.album_id = album_id;
    p->standard.role = AF_ROLE_CLIENT;
    policy_settings_default(AF_ROLE_CLIENT, &p->standard.settings);
    s = person_slot(p);
    if (!s)
        return -ENOMEM;
    memset(s, 0, sizeof *s);
    s->subject.kind = AF_PRINCIPAL_USER;
    s->subject.grants = &p->standard;
    s->subject.n_grants = 1;
    s = person_slot(p);
    if (!s)
        return -ENOMEM;
    subject_owner(s);
    rc = catalog_grants(c, album_id, &grants, &n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (policy_grant_live(&grants[i].grant, now))
            rc = add_grantee(p, c, &grants[i]);
    free(grants);
    return rc;
}

/* Each view (of the mask `views`) subject s has of photo p that is not
 * made yet goes to missing(req, arg); the number already made is returned. */
static size_t each_missing_view(struct af_library *lib, struct af_catalog *c,
                                const struct af_subject_buf *s, const struct af_entry *e,
                                const struct cat_photo *p, const struct watermark_settings *wm,
                                af_time now, unsigned views,
                                void (*missing)(const struct rendition_request *req, void *arg),
                                void *arg)
{
    static const enum af_view order[] = {AF_VIEW_PROOF, AF_VIEW_WEB, AF_VIEW_HIGHRES};
    unsigned allowed = subject_offered_views(&s->subject, e, now) & views;
    size_t ready = 0;

    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        struct rendition_request req;
        struct rendition_info info;
        struct af_render r;

        if (!(allowed & order[k]) || policy_render(&s->subject, e, order[k], now, &r) < 0)
            continue;
        renditions_request(p, &r, r.recipient_mark ? s->label : "", &req);
        renditions_id(lib, &req, wm, info.id);
        if (renditions_find(c, info.id, &info) == 0)
            ready++;
        else
            missing(&req, arg);
    }
    return ready;
}

/* Rendering what prepare_album finds missing, counted. */
struct render_now {
    struct af_library *lib;
    struct af_catalog *c;
    const struct cat_photo *p;
    prepare_failure failed;
    void *arg;
    struct prepare_result *out;
};

static void render_now(const struct rendition_request *req, void *arg)
{
    struct render_now *r = arg;
    struct rendition_info info;
    char why[256];

    if (renditions_make(r->lib, r->c, req, &info, why, sizeof why) == 0) {
        r->out->made++;
    } else {
        r->out->failed++;
        if (r->failed)
            r->failed(r->p->name, why, r->arg);
    }
}

int prepare_album(struct af_library *lib, int64_t album_id, prepare_progress progress,
                  prepare_failure failed, void *arg, struct prepare_result *out)
{
    struct af_catalog *c = lib->catalog;
    struct people people = {0};
    struct watermark_settings wm;
    struct cat_album album;
    struct cat_set *sets = NULL;
    size_t nsets = 0, total = 0, done = 0;
    af_time now = (af_time)time(NULL);
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = catalog_album_by_id(c, album_id, &album)) < 0 ||
        (rc = renditions_watermark(c, &wm)) < 0 ||
        (rc = catalog_sets(c, album_id, &sets, &nsets)) < 0)
        return rc;
    rc = gather(&people, c, album_id, now);
    for (int pass = 0; rc == 0 && pass < 2; pass++) {
        /* Pass 0 counts the photos for the progress bar; pass 1 renders. */
        for (size_t i = 0; rc == 0 && i < nsets; i++) {
            struct cat_photo *photos = NULL;
            size_t n = 0;

            rc = catalog_photos(c, sets[i].id, &photos, &n);
            if (rc < 0)
                break;
            if (pass == 0) {
                total += n;
                free(photos);
                continue;
            }
            for (size_t j = 0; j < n; j++) {
                struct af_entry e;

                struct render_now r = {lib, c, &photos[j], failed, arg, out};

                entry_for_photo(&album, &sets[i], &photos[j], &e);
                for (size_t k = 0; e.kind == AF_ENTRY_PHOTO && k < people.n; k++)
                    if (policy_may_see(&people.v[k].subject, &e, now))
                        out->ready += each_missing_view(lib, c, &people.v[k], &e, &photos[j],
                                                        &wm, now, ~0u, render_now, &r);
                if (progress)
                    progress(++done, total, arg);
            }
            free(photos);
        }
    }
    people.v[0].subject.grants = NULL; /* the standard grant is not malloc'd */
    people.v[0].grants = NULL;
    release_people(&people);
    free(sets);
    return rc;
}

int prepare_photo_missing(struct af_library *lib, struct af_catalog *c, int64_t photo_id,
                          unsigned views,
                          void (*missing)(const struct rendition_request *req, void *arg),
                          void *arg)
{
    struct people people = {0};
    struct watermark_settings wm;
    struct cat_album album;
    struct cat_set set;
    struct cat_photo photo;
    struct af_entry e;
    af_time now = (af_time)time(NULL);
    int rc;

    if ((rc = catalog_photo_by_id(c, photo_id, &photo)) < 0 ||
        (rc = catalog_set_by_id(c, photo.set_id, &set)) < 0 ||
        (rc = catalog_album_by_id(c, photo.album_id, &album)) < 0 ||
        (rc = renditions_watermark(c, &wm)) < 0)
        return rc;
    entry_for_photo(&album, &set, &photo, &e);
    if (e.kind != AF_ENTRY_PHOTO)
        return 0; /* documents have no views */
    rc = gather(&people, c, album.id, now);
    for (size_t k = 0; rc == 0 && k < people.n; k++)
        if (policy_may_see(&people.v[k].subject, &e, now))
            each_missing_view(lib, c, &people.v[k], &e, &photo, &wm, now, views, missing, arg);
    if (people.n) {
        people.v[0].subject.grants = NULL; /* the standard grant is not malloc'd */
        people.v[0].grants = NULL;
    }
    release_people(&people);
    return rc;
}
