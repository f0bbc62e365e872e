/* policy.c — the capability table of SPEC §3 as pure functions.
 *
 * Every question is answered in the same three steps:
 *   1. which grants count: live at `now`, on the entry's album, with a role a
 *      grant may hold, capped at GUEST for a share link (grant_role);
 *   2. whether a grant's role sees the entry: set visibility, private marks,
 *      the trash (role_sees);
 *   3. what that grant's settings allow, within its role's column
 *      (grant_render and the action functions).
 * The answer is the union over the grants that count and see the entry.
 * The owner needs no grant; owner and editors get their rights from the role
 * alone. Anything not understood (an unknown role, visibility or setting) is
 * read as the most restrictive choice. docs/policy.md describes the model.
 *
 * No state, no I/O, no clock, no allocation: thread-safe.
 */
#include "policy/policy.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

static const char *const role_names[] = {
    [AF_ROLE_NONE] = "none",       [AF_ROLE_GUEST] = "guest",   [AF_ROLE_INVITED] = "invited",
    [AF_ROLE_CLIENT] = "client",   [AF_ROLE_EDITOR] = "editor", [AF_ROLE_OWNER] = "owner",
};

static const char *const visibility_names[] = {
    [AF_VIS_PUBLIC] = "public",
    [AF_VIS_CLIENT] = "client",
    [AF_VIS_TEAM] = "team",
};

/* The photo views a grant's settings can give, in the order they are tried. */
static const enum af_view grant_views[] = { AF_VIEW_PROOF, AF_VIEW_WEB, AF_VIEW_HIGHRES };

static uint32_t bound_edge(uint32_t edge, uint32_t lo, uint32_t hi)
{
    return edge < lo ? lo : edge > hi ? hi : edge;
}

static bool metadata_valid(enum af_metadata m)
{
    return m == AF_META_STRIP_ALL || m == AF_META_STRIP_GPS || m == AF_META_KEEP_ALL;
}

/* The lowest role that sees a set of visibility v. */
static enum af_role visibility_min_role(enum af_visibility v)
{
    switch (v) {
    case AF_VIS_PUBLIC:
        return AF_ROLE_GUEST;
    case AF_VIS_CLIENT:
        return AF_ROLE_CLIENT;
    case AF_VIS_TEAM:
        return AF_ROLE_EDITOR;
    }
    return AF_ROLE_OWNER;
}

/* Whether role r sees the entry. An album has no set; everything inside one
 * also needs its set's visibility, and the private mark and the trash apply
 * to whatever carries them. */
static bool role_sees(enum af_role r, const struct af_entry *e)
{
    if (r == AF_ROLE_NONE)
        return false;
    if (e->kind != AF_ENTRY_ALBUM && r < visibility_min_role(e->set_visibility))
        return false;
    if (e->is_private && r < AF_ROLE_CLIENT)
        return false;
    if (e->trashed && r < AF_ROLE_EDITOR)
        return false;
    return true;
}

/* The grants a subject holds; none for the owner (who needs none) and for
 * nobody. */
static size_t grant_count(const struct af_subject *who)
{
    if (who == NULL || who->grants == NULL)
        return 0;
    if (who->kind != AF_PRINCIPAL_USER && who->kind != AF_PRINCIPAL_LINK)
        return 0;
    return who->n_grants;
}

/* The role grant g gives `who` on album_id at `now`: NONE when it does not
 * count there; a link never holds more than GUEST, nor a link's client door
 * more than CLIENT, whatever the row says. */
static enum af_role grant_role(const struct af_subject *who, const struct af_grant *g,
                               int64_t album_id, af_time now)
{
    enum af_role r = g->role;

    if (g->album_id != album_id || !policy_grant_live(g, now))
        return AF_ROLE_NONE;
    if (r < AF_ROLE_GUEST || r > AF_ROLE_EDITOR)
        return AF_ROLE_NONE;
    if (who->kind == AF_PRINCIPAL_LINK && r > (who->client_door ? AF_ROLE_CLIENT : AF_ROLE_GUEST))
        r = who->client_door ? AF_ROLE_CLIENT : AF_ROLE_GUEST;
    return r;
}

/* The role of grant g if it counts for entry e and sees it, else NONE. */
static enum af_role grant_sees(const struct af_subject *who, const struct af_grant *g,
                               const struct af_entry *e, af_time now)
{
    enum af_role r = grant_role(who, g, e->album_id, now);

    return role_sees(r, e) ? r : AF_ROLE_NONE;
}

/* Whether the settings let downloads come from e's set. */
static bool downloads_from(const struct af_grant_settings *s, const struct af_entry *e)
{
    size_t n = s->n_download_sets < AF_MAX_DOWNLOAD_SETS ? s->n_download_sets
                                                          : AF_MAX_DOWNLOAD_SETS;

    if (n == 0)
        return true;
    for (size_t i = 0; i < n; i++)
        if (s->download_sets[i] == e->set_id)
            return true;
    return false;
}

/* How grant g (of a role below EDITOR, which sees photo e) would make
 * `view`; false when its settings do not give that view. */
static bool grant_render(const struct af_grant *g, const struct af_entry *e,
                         enum af_view view, struct af_render *out)
{
    const struct af_grant_settings *s = &g->settings;

    memset(out, 0, sizeof *out);
    out->view = view;
    out->grant_id = g->id;
    out->recipient_mark = s->watermark_recipient;
    out->metadata = AF_META_STRIP_ALL;
    switch (view) {
    case AF_VIEW_PROOF:
        out->long_edge = bound_edge(s->proof_long_edge, AF_MIN_EDGE, AF_MAX_VIEW_EDGE);
        out->watermark = s->watermark_proofs;
        return true;
    case AF_VIEW_WEB:
        if (!s->web_downloads || !downloads_from(s, e))
            return false;
        out->long_edge = bound_edge(s->web_long_edge, AF_MIN_EDGE, AF_MAX_VIEW_EDGE);
        out->watermark = s->watermark_downloads;
        return true;
    case AF_VIEW_HIGHRES:
        if (!downloads_from(s, e))
            return false;
        if (s->highres == AF_HIGHRES_ORIGINAL)
            out->long_edge = 0;
        else if (s->highres == AF_HIGHRES_MAX_EDGE)
            out->long_edge = bound_edge(s->highres_long_edge, AF_MIN_EDGE, AF_MAX_HIGHRES_EDGE);
        else
            return false;
        out->watermark = s->watermark_downloads;
        out->metadata = metadata_valid(s->highres_metadata) ? s->highres_metadata
                                                            : AF_META_STRIP_ALL;
        out->pool_id = s->pool_id;
        return true;
    case AF_VIEW_ORIGINAL:
        break;
    }
    return false;
}

/* Whether render a is more generous to its receiver than b: no allowance
 * charged, then larger (0, the original size, is largest), then without
 * watermark, then without recipient mark, then keeping more metadata. */
static bool more_generous(const struct af_render *a, const struct af_render *b)
{
    if ((a->pool_id == 0) != (b->pool_id == 0))
        return a->pool_id == 0;
    if (a->long_edge != b->long_edge) {
        if (a->long_edge == 0 || b->long_edge == 0)
            return a->long_edge == 0;
        return a->long_edge > b->long_edge;
    }
    if (a->watermark != b->watermark)
        return !a->watermark;
    if (a->recipient_mark != b->recipient_mark)
        return !a->recipient_mark;
    return a->metadata > b->metadata;
}

/* How the owner or an editor gets `view` of a photo: from the original,
 * unmarked. Editors browse originals, so there is no proof for them. */
static int role_render(enum af_view view, int64_t grant_id, struct af_render *out)
{
    out->view = view;
    out->grant_id = grant_id;
    switch (view) {
    case AF_VIEW_ORIGINAL:
    case AF_VIEW_HIGHRES:
        out->metadata = AF_META_KEEP_ALL;
        return 0;
    case AF_VIEW_WEB:
        out->long_edge = AF_DEFAULT_WEB_EDGE;
        return 0;
    case AF_VIEW_PROOF:
        break;
    }
    return -EACCES;
}

void policy_settings_default(enum af_role role, struct af_grant_settings *out)
{
    memset(out, 0, sizeof *out);
    out->proof_long_edge = AF_DEFAULT_PROOF_EDGE;
    out->watermark_proofs = true;
    out->watermark_downloads = true;
    out->watermark_recipient = false;
    out->web_downloads = false;
    out->web_long_edge = AF_DEFAULT_WEB_EDGE;
    out->highres = AF_HIGHRES_OFF;
    out->highres_long_edge = 0;
    out->pool_id = 0;
    out->highres_metadata = AF_META_STRIP_GPS;
    out->may_favourite = role == AF_ROLE_CLIENT || role == AF_ROLE_INVITED;
    out->may_mark_private = role == AF_ROLE_CLIENT;
    out->notify = false;
    out->n_download_sets = 0;
}

static void clamp_edge(uint32_t *edge, uint32_t lo, uint32_t hi, bool *changed)
{
    uint32_t b = bound_edge(*edge, lo, hi);

    if (b != *edge) {
        *edge = b;
        *changed = true;
    }
}

static void force_off(bool *flag, bool *changed)
{
    if (*flag) {
        *flag = false;
        *changed = true;
    }
}

bool policy_settings_clamp(enum af_role role, struct af_grant_settings *s)
{
    bool changed = false;

    if (role < AF_ROLE_GUEST || role > AF_ROLE_EDITOR)
        role = AF_ROLE_GUEST; /* not a grant's role: the strictest column */
    if (role < AF_ROLE_CLIENT)
        force_off(&s->may_mark_private, &changed);
    if (role == AF_ROLE_EDITOR)
        force_off(&s->may_favourite, &changed);
    clamp_edge(&s->proof_long_edge, AF_MIN_EDGE, AF_MAX_VIEW_EDGE, &changed);
    clamp_edge(&s->web_long_edge, AF_MIN_EDGE, AF_MAX_VIEW_EDGE, &changed);
    if (s->highres == AF_HIGHRES_MAX_EDGE) {
        clamp_edge(&s->highres_long_edge, AF_MIN_EDGE, AF_MAX_HIGHRES_EDGE, &changed);
    } else if (s->highres != AF_HIGHRES_OFF && s->highres != AF_HIGHRES_ORIGINAL) {
        s->highres = AF_HIGHRES_OFF;
        changed = true;
    }
    if (!metadata_valid(s->highres_metadata)) {
        s->highres_metadata = AF_META_STRIP_ALL;
        changed = true;
    }
    if (s->n_download_sets > AF_MAX_DOWNLOAD_SETS) {
        s->n_download_sets = AF_MAX_DOWNLOAD_SETS;
        changed = true;
    }
    return changed;
}

bool policy_grant_live(const struct af_grant *g, af_time now)
{
    return g->revoked == 0 && (g->expires == 0 || now < g->expires);
}

enum af_role policy_album_role(const struct af_subject *who, int64_t album_id,
                               af_time now, int64_t *via)
{
    enum af_role best = AF_ROLE_NONE;
    int64_t best_id = 0;
    size_t n = grant_count(who);

    if (who != NULL && who->kind == AF_PRINCIPAL_OWNER)
        best = AF_ROLE_OWNER;
    for (size_t i = 0; i < n; i++) {
        enum af_role r = grant_role(who, &who->grants[i], album_id, now);

        if (r > best) {
            best = r;
            best_id = who->grants[i].id;
        }
    }
    if (via != NULL)
        *via = best_id;
    return best;
}

bool policy_may_see(const struct af_subject *who, const struct af_entry *what, af_time now)
{
    return what != NULL && role_sees(policy_album_role(who, what->album_id, now, NULL), what);
}

unsigned policy_views(const struct af_subject *who, const struct af_entry *what, af_time now)
{
    enum af_role role;
    unsigned views = 0;
    size_t n = grant_count(who);

    if (what == NULL)
        return 0;
    role = policy_album_role(who, what->album_id, now, NULL);
    if (!role_sees(role, what))
        return 0;
    if (what->kind == AF_ENTRY_DOCUMENT)
        return AF_VIEW_ORIGINAL;
    if (what->kind != AF_ENTRY_PHOTO)
        return 0;
    if (role >= AF_ROLE_EDITOR)
        return AF_VIEW_ORIGINAL | AF_VIEW_WEB | AF_VIEW_HIGHRES;
    for (size_t i = 0; i < n; i++) {
        struct af_render r;

        if (grant_sees(who, &who->grants[i], what, now) == AF_ROLE_NONE)
            continue;
        for (size_t v = 0; v < sizeof grant_views / sizeof grant_views[0]; v++)
            if (grant_render(&who->grants[i], what, grant_views[v], &r))
                views |= grant_views[v];
    }
    return views;
}

enum af_view policy_default_view(const struct af_subject *who,
                                 const struct af_entry *what, af_time now)
{
    enum af_role role;

    if (what == NULL)
        return 0;
    role = policy_album_role(who, what->album_id, now, NULL);
    if (!role_sees(role, what))
        return 0;
    if (what->kind == AF_ENTRY_DOCUMENT)
        return AF_VIEW_ORIGINAL;
    if (what->kind != AF_ENTRY_PHOTO)
        return 0;
    return role >= AF_ROLE_EDITOR ? AF_VIEW_ORIGINAL : AF_VIEW_PROOF;
}

int policy_render(const struct af_subject *who, const struct af_entry *what,
                  enum af_view view, af_time now, struct af_render *out)
{
    enum af_role role;
    int64_t via;
    bool found = false;
    size_t n = grant_count(who);

    memset(out, 0, sizeof *out);
    if (what == NULL)
        return -ENOENT;
    role = policy_album_role(who, what->album_id, now, &via);
    if (!role_sees(role, what))
        return -ENOENT;
    if (what->kind == AF_ENTRY_DOCUMENT) {
        /* The uploaded bytes, as they are, for anyone who sees it. */
        if (view != AF_VIEW_ORIGINAL)
            return -EACCES;
        out->view = view;
        out->grant_id = via;
        out->metadata = AF_META_KEEP_ALL;
        return 0;
    }
    if (what->kind != AF_ENTRY_PHOTO)
        return -EACCES;
    if (role >= AF_ROLE_EDITOR)
        return role_render(view, via, out);
    for (size_t i = 0; i < n; i++) {
        struct af_render cand;

        if (grant_sees(who, &who->grants[i], what, now) == AF_ROLE_NONE)
            continue;
        if (!grant_render(&who->grants[i], what, view, &cand))
            continue;
        if (!found || more_generous(&cand, out)) {
            *out = cand;
            found = true;
        }
    }
    return found ? 0 : -EACCES;
}

int policy_may_favourite(const struct af_subject *who, const struct af_entry *what, af_time now)
{
    size_t n = grant_count(who);

    if (!policy_may_see(who, what, now))
        return -ENOENT;
    if (what->kind != AF_ENTRY_PHOTO)
        return -EPERM;
    /* Editor grants and the owner have no favourites (SPEC §3 "—"). */
    for (size_t i = 0; i < n; i++) {
        enum af_role r = grant_sees(who, &who->grants[i], what, now);

        if (r != AF_ROLE_NONE && r <= AF_ROLE_CLIENT && who->grants[i].settings.may_favourite)
            return 0;
    }
    return -EPERM;
}

int policy_may_mark_private(const struct af_subject *who, const struct af_entry *what, af_time now)
{
    enum af_role role;
    size_t n = grant_count(who);

    if (what == NULL)
        return -ENOENT;
    role = policy_album_role(who, what->album_id, now, NULL);
    if (!role_sees(role, what))
        return -ENOENT;
    if (what->kind != AF_ENTRY_PHOTO && what->kind != AF_ENTRY_DOCUMENT)
        return -EPERM;
    if (role >= AF_ROLE_EDITOR)
        return 0;
    if (!what->album_allows_private_marks)
        return -EPERM;
    for (size_t i = 0; i < n; i++)
        if (grant_sees(who, &who->grants[i], what, now) == AF_ROLE_CLIENT &&
            who->grants[i].settings.may_mark_private)
            return 0;
    return -EPERM;
}

int policy_may_set_private(enum af_role role, enum af_marker marker)
{
    if (role >= AF_ROLE_EDITOR && role <= AF_ROLE_OWNER)
        return 0;
    if (role == AF_ROLE_CLIENT && (marker == AF_MARKER_NONE || marker == AF_MARKER_CLIENT))
        return 0;
    return -EPERM;
}

int policy_may_modify(const struct af_subject *who, const struct af_entry *what, af_time now)
{
    enum af_role role;

    if (what == NULL)
        return -ENOENT;
    role = policy_album_role(who, what->album_id, now, NULL);
    if (!role_sees(role, what))
        return -ENOENT;
    return role >= AF_ROLE_EDITOR ? 0 : -EPERM;
}

int policy_may_administer(const struct af_subject *who)
{
    return who != NULL && who->kind == AF_PRINCIPAL_OWNER ? 0 : -EPERM;
}

const char *policy_role_name(enum af_role role)
{
    if ((unsigned)role > AF_ROLE_OWNER)
        return "unknown";
    return role_names[role];
}

int policy_role_parse(const char *name, enum af_role *out)
{
    /* Only the roles a grant can hold; "none" and "owner" are not given. */
    for (enum af_role r = AF_ROLE_GUEST; r <= AF_ROLE_EDITOR; r++) {
        if (name != NULL && strcasecmp(name, role_names[r]) == 0) {
            *out = r;
            return 0;
        }
    }
    return -EINVAL;
}

const char *policy_visibility_name(enum af_visibility v)
{
    if ((unsigned)v > AF_VIS_TEAM)
        return "unknown";
    return visibility_names[v];
}

int policy_visibility_parse(const char *name, enum af_visibility *out)
{
    for (enum af_visibility v = AF_VIS_PUBLIC; v <= AF_VIS_TEAM; v++) {
        if (name != NULL && strcasecmp(name, visibility_names[v]) == 0) {
            *out = v;
            return 0;
        }
    }
    return -EINVAL;
}

const char *policy_view_name(enum af_view v)
{
    switch (v) {
    case AF_VIEW_ORIGINAL:
        return "original";
    case AF_VIEW_PROOF:
        return "proof";
    case AF_VIEW_WEB:
        return "web";
    case AF_VIEW_HIGHRES:
        return "highres";
    }
    return "unknown";
}
