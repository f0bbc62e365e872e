/* test_policy.c — unit tests of policy/policy.c.
 *
 * The first test walks the capability table of SPEC §3 cell by cell: every
 * row against every column (owner, editor through a user grant, editor
 * through a team grant, client, invited, guest through a link), under three
 * kinds of grant settings (the defaults, everything a grant may open, and
 * everything a grant may close). The other tests cover the edges: expiry
 * and revocation at the second, grants and links on other albums, sets and
 * photos that became hidden after a grant was issued, unions of grants,
 * the cap on links, download sets, the choice among grants, and the
 * settings' defaults and clamping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "policy/policy.h"

#define NOW ((af_time)1800000000)
#define ALBUM 1
#define OTHER_ALBUM 2
#define SET_PUBLIC 11
#define SET_CLIENT 12
#define SET_TEAM 13
#define SET_PUBLIC_B 14
#define POOL 7

/* ---- fixtures ---- */

enum variant { V_DEFAULT, V_OPEN, V_CLOSED, N_VARIANTS };

static const char *const variant_names[N_VARIANTS] = { "default", "open", "closed" };

enum column {
    C_OWNER,
    C_EDITOR_USER,
    C_EDITOR_TEAM,
    C_CLIENT,
    C_INVITED,
    C_GUEST,
    N_COLUMNS
};

static const char *const column_names[N_COLUMNS] = {
    "owner", "editor (user grant)", "editor (team grant)", "client", "invited", "guest (link)",
};

static struct af_grant grant(int64_t id, int64_t album, enum af_role role)
{
    struct af_grant g;

    memset(&g, 0, sizeof g);
    g.id = id;
    g.album_id = album;
    g.role = role;
    policy_settings_default(role, &g.settings);
    return g;
}

/* Everything a grant may open. */
static void open_settings(struct af_grant_settings *s)
{
    s->proof_long_edge = 3000;
    s->watermark_proofs = false;
    s->watermark_downloads = false;
    s->web_downloads = true;
    s->web_long_edge = 1600;
    s->highres = AF_HIGHRES_ORIGINAL;
    s->pool_id = POOL;
    s->highres_metadata = AF_META_KEEP_ALL;
    s->may_favourite = true;
    s->may_mark_private = true;
}

/* Everything a grant may close. */
static void closed_settings(struct af_grant_settings *s)
{
    s->proof_long_edge = 1024;
    s->watermark_proofs = true;
    s->watermark_recipient = true;
    s->may_favourite = false;
    s->may_mark_private = false;
}

static struct af_subject user(const struct af_grant *grants, size_t n)
{
    struct af_subject s = { .kind = AF_PRINCIPAL_USER, .user_id = 5, .grants = grants,
                            .n_grants = n };
    return s;
}

static struct af_subject link_subject(const struct af_grant *grants, size_t n)
{
    struct af_subject s = { .kind = AF_PRINCIPAL_LINK, .link_id = 9, .grants = grants,
                            .n_grants = n };
    return s;
}

static struct af_subject owner(void)
{
    struct af_subject s = { .kind = AF_PRINCIPAL_OWNER };
    return s;
}

static struct af_entry album_entry(void)
{
    struct af_entry e = { .kind = AF_ENTRY_ALBUM, .album_id = ALBUM,
                          .album_allows_private_marks = true };
    return e;
}

static struct af_entry set_entry(int64_t set, enum af_visibility vis)
{
    struct af_entry e = { .kind = AF_ENTRY_SET, .album_id = ALBUM,
                          .album_allows_private_marks = true, .set_id = set,
                          .set_visibility = vis };
    return e;
}

static struct af_entry photo(int64_t set, enum af_visibility vis)
{
    struct af_entry e = set_entry(set, vis);

    e.kind = AF_ENTRY_PHOTO;
    return e;
}

/* One column of the table under one variant: the subject and its grant. */
struct cell {
    struct af_grant grant;
    struct af_subject who;
    bool album_allows_marks;
};

static void make_cell(enum column c, enum variant v, struct cell *out)
{
    static const enum af_role roles[N_COLUMNS] = {
        [C_EDITOR_USER] = AF_ROLE_EDITOR, [C_EDITOR_TEAM] = AF_ROLE_EDITOR,
        [C_CLIENT] = AF_ROLE_CLIENT,      [C_INVITED] = AF_ROLE_INVITED,
        [C_GUEST] = AF_ROLE_GUEST,
    };

    memset(out, 0, sizeof *out);
    out->album_allows_marks = v != V_CLOSED;
    if (c == C_OWNER) {
        out->who = owner();
        return;
    }
    out->grant = grant(20 + c, ALBUM, roles[c]);
    if (v == V_OPEN)
        open_settings(&out->grant.settings);
    else if (v == V_CLOSED)
        closed_settings(&out->grant.settings);
    out->who = c == C_GUEST ? link_subject(&out->grant, 1) : user(&out->grant, 1);
}

/* ---- the capability table ---- */

static int seen(const struct cell *c, struct af_entry e)
{
    e.album_allows_private_marks = c->album_allows_marks;
    return policy_may_see(&c->who, &e, NOW) ? 0 : -ENOENT;
}

static int see_public(const struct cell *c)
{
    return seen(c, set_entry(SET_PUBLIC, AF_VIS_PUBLIC));
}

static int see_public_photo(const struct cell *c)
{
    return seen(c, photo(SET_PUBLIC, AF_VIS_PUBLIC));
}

static int see_client(const struct cell *c)
{
    return seen(c, set_entry(SET_CLIENT, AF_VIS_CLIENT));
}

static int see_client_photo(const struct cell *c)
{
    return seen(c, photo(SET_CLIENT, AF_VIS_CLIENT));
}

static int see_team(const struct cell *c)
{
    return seen(c, set_entry(SET_TEAM, AF_VIS_TEAM));
}

static int see_team_photo(const struct cell *c)
{
    return seen(c, photo(SET_TEAM, AF_VIS_TEAM));
}

static int see_private(const struct cell *c)
{
    struct af_entry e = photo(SET_PUBLIC, AF_VIS_PUBLIC);

    e.is_private = true;
    return seen(c, e);
}

static int default_view(const struct cell *c)
{
    struct af_entry e = photo(SET_PUBLIC, AF_VIS_PUBLIC);

    return (int)policy_default_view(&c->who, &e, NOW);
}

/* What a table row reads from a render: only whether it is allowed, or one
 * field of it. */
enum field { F_ALLOWED, F_EDGE, F_WATERMARK, F_POOL };

static int render_field(const struct cell *c, enum af_view view, enum field field)
{
    struct af_entry e = photo(SET_PUBLIC, AF_VIS_PUBLIC);
    struct af_render r;
    int rc = policy_render(&c->who, &e, view, NOW, &r);

    if (rc != 0)
        return rc;
    switch (field) {
    case F_ALLOWED:
        break;
    case F_EDGE:
        return (int)r.long_edge;
    case F_WATERMARK:
        return r.watermark;
    case F_POOL:
        return (int)r.pool_id;
    }
    return 0;
}

static int proof_edge(const struct cell *c)
{
    struct af_entry e = photo(SET_PUBLIC, AF_VIS_PUBLIC);

    return render_field(c, policy_default_view(&c->who, &e, NOW), F_EDGE);
}

static int proof_watermark(const struct cell *c)
{
    struct af_entry e = photo(SET_PUBLIC, AF_VIS_PUBLIC);

    return render_field(c, policy_default_view(&c->who, &e, NOW), F_WATERMARK);
}

static int web(const struct cell *c)
{
    return render_field(c, AF_VIEW_WEB, F_ALLOWED);
}

static int web_listed(const struct cell *c)
{
    struct af_entry e = photo(SET_PUBLIC, AF_VIS_PUBLIC);

    return (policy_views(&c->who, &e, NOW) & AF_VIEW_WEB) != 0;
}

static int highres(const struct cell *c)
{
    return render_field(c, AF_VIEW_HIGHRES, F_ALLOWED);
}

static int highres_listed(const struct cell *c)
{
    struct af_entry e = photo(SET_PUBLIC, AF_VIS_PUBLIC);

    return (policy_views(&c->who, &e, NOW) & AF_VIEW_HIGHRES) != 0;
}

static int highres_pool(const struct cell *c)
{
    return render_field(c, AF_VIEW_HIGHRES, F_POOL);
}

static int favourite(const struct cell *c)
{
    struct af_entry e = photo(SET_PUBLIC, AF_VIS_PUBLIC);

    e.album_allows_private_marks = c->album_allows_marks;
    return policy_may_favourite(&c->who, &e, NOW);
}

static int mark_private(const struct cell *c)
{
    struct af_entry e = photo(SET_PUBLIC, AF_VIS_PUBLIC);

    e.album_allows_private_marks = c->album_allows_marks;
    return policy_may_mark_private(&c->who, &e, NOW);
}

static int unmark_private(const struct cell *c)
{
    struct af_entry e = photo(SET_PUBLIC, AF_VIS_PUBLIC);

    e.is_private = true;
    e.album_allows_private_marks = c->album_allows_marks;
    return policy_may_mark_private(&c->who, &e, NOW);
}

static int modify_album(const struct cell *c)
{
    struct af_entry e = album_entry();

    return policy_may_modify(&c->who, &e, NOW);
}

static int modify_set(const struct cell *c)
{
    struct af_entry e = set_entry(SET_PUBLIC, AF_VIS_PUBLIC);

    return policy_may_modify(&c->who, &e, NOW);
}

static int modify_photo(const struct cell *c)
{
    struct af_entry e = photo(SET_PUBLIC, AF_VIS_PUBLIC);

    return policy_may_modify(&c->who, &e, NOW);
}

static int administer(const struct cell *c)
{
    return policy_may_administer(&c->who);
}

#define ALL(x) { x, x, x, x, x, x }
#define ENOENT_ -ENOENT
#define EPERM_ -EPERM
#define EACCES_ -EACCES
#define ORIG AF_VIEW_ORIGINAL
#define PROOF AF_VIEW_PROOF

struct row {
    const char *capability;
    int (*check)(const struct cell *);
    /* expected result per variant, per column: owner, editor (user),
     * editor (team), client, invited, guest */
    int expect[N_VARIANTS][N_COLUMNS];
};

static const struct row table[] = {
    { "see public sets", see_public, { ALL(0), ALL(0), ALL(0) } },
    { "see photos in public sets", see_public_photo, { ALL(0), ALL(0), ALL(0) } },
    { "see client-only sets", see_client,
      { { 0, 0, 0, 0, ENOENT_, ENOENT_ }, { 0, 0, 0, 0, ENOENT_, ENOENT_ },
        { 0, 0, 0, 0, ENOENT_, ENOENT_ } } },
    { "see photos in client-only sets", see_client_photo,
      { { 0, 0, 0, 0, ENOENT_, ENOENT_ }, { 0, 0, 0, 0, ENOENT_, ENOENT_ },
        { 0, 0, 0, 0, ENOENT_, ENOENT_ } } },
    { "see team-only sets", see_team,
      { { 0, 0, 0, ENOENT_, ENOENT_, ENOENT_ }, { 0, 0, 0, ENOENT_, ENOENT_, ENOENT_ },
        { 0, 0, 0, ENOENT_, ENOENT_, ENOENT_ } } },
    { "see photos in team-only sets", see_team_photo,
      { { 0, 0, 0, ENOENT_, ENOENT_, ENOENT_ }, { 0, 0, 0, ENOENT_, ENOENT_, ENOENT_ },
        { 0, 0, 0, ENOENT_, ENOENT_, ENOENT_ } } },
    { "see photos marked private", see_private,
      { { 0, 0, 0, 0, ENOENT_, ENOENT_ }, { 0, 0, 0, 0, ENOENT_, ENOENT_ },
        { 0, 0, 0, 0, ENOENT_, ENOENT_ } } },
    { "proofs: the default file", default_view,
      { { ORIG, ORIG, ORIG, PROOF, PROOF, PROOF }, { ORIG, ORIG, ORIG, PROOF, PROOF, PROOF },
        { ORIG, ORIG, ORIG, PROOF, PROOF, PROOF } } },
    { "proofs: long edge (0 = original)", proof_edge,
      { { 0, 0, 0, 2048, 2048, 2048 }, { 0, 0, 0, 3000, 3000, 3000 },
        { 0, 0, 0, 1024, 1024, 1024 } } },
    { "proofs: watermark", proof_watermark,
      { { 0, 0, 0, 1, 1, 1 }, { 0, 0, 0, 0, 0, 0 }, { 0, 0, 0, 1, 1, 1 } } },
    { "web-size downloads", web,
      { { 0, 0, 0, EACCES_, EACCES_, EACCES_ }, ALL(0),
        { 0, 0, 0, EACCES_, EACCES_, EACCES_ } } },
    { "web-size downloads listed", web_listed,
      { { 1, 1, 1, 0, 0, 0 }, ALL(1), { 1, 1, 1, 0, 0, 0 } } },
    { "high-res downloads", highres,
      { { 0, 0, 0, EACCES_, EACCES_, EACCES_ }, ALL(0),
        { 0, 0, 0, EACCES_, EACCES_, EACCES_ } } },
    { "high-res downloads listed", highres_listed,
      { { 1, 1, 1, 0, 0, 0 }, ALL(1), { 1, 1, 1, 0, 0, 0 } } },
    { "high-res allowance pool (0 = unlimited)", highres_pool,
      { { 0, 0, 0, EACCES_, EACCES_, EACCES_ }, { 0, 0, 0, POOL, POOL, POOL },
        { 0, 0, 0, EACCES_, EACCES_, EACCES_ } } },
    { "favourites", favourite,
      { { EPERM_, EPERM_, EPERM_, 0, 0, EPERM_ }, { EPERM_, EPERM_, EPERM_, 0, 0, 0 },
        ALL(EPERM_) } },
    { "mark photos private", mark_private,
      { { 0, 0, 0, 0, EPERM_, EPERM_ }, { 0, 0, 0, 0, EPERM_, EPERM_ },
        { 0, 0, 0, EPERM_, EPERM_, EPERM_ } } },
    { "unmark photos private", unmark_private,
      { { 0, 0, 0, 0, ENOENT_, ENOENT_ }, { 0, 0, 0, 0, ENOENT_, ENOENT_ },
        { 0, 0, 0, EPERM_, ENOENT_, ENOENT_ } } },
    { "create/rename sets (album)", modify_album,
      { { 0, 0, 0, EPERM_, EPERM_, EPERM_ }, { 0, 0, 0, EPERM_, EPERM_, EPERM_ },
        { 0, 0, 0, EPERM_, EPERM_, EPERM_ } } },
    { "upload into a set", modify_set,
      { { 0, 0, 0, EPERM_, EPERM_, EPERM_ }, { 0, 0, 0, EPERM_, EPERM_, EPERM_ },
        { 0, 0, 0, EPERM_, EPERM_, EPERM_ } } },
    { "move, rename, delete photos to trash", modify_photo,
      { { 0, 0, 0, EPERM_, EPERM_, EPERM_ }, { 0, 0, 0, EPERM_, EPERM_, EPERM_ },
        { 0, 0, 0, EPERM_, EPERM_, EPERM_ } } },
    { "issue/revoke grants, purge, restore", administer,
      { { 0, EPERM_, EPERM_, EPERM_, EPERM_, EPERM_ },
        { 0, EPERM_, EPERM_, EPERM_, EPERM_, EPERM_ },
        { 0, EPERM_, EPERM_, EPERM_, EPERM_, EPERM_ } } },
};

static void test_capability_table(void **state)
{
    int failures = 0, cells = 0;

    (void)state;
    for (size_t r = 0; r < sizeof table / sizeof table[0]; r++) {
        for (int v = 0; v < N_VARIANTS; v++) {
            for (int c = 0; c < N_COLUMNS; c++) {
                struct cell cell;
                int got;

                make_cell(c, v, &cell);
                got = table[r].check(&cell);
                cells++;
                if (got != table[r].expect[v][c]) {
                    print_error("%s / %s / %s settings: got %d, want %d\n",
                                table[r].capability, column_names[c], variant_names[v], got,
                                table[r].expect[v][c]);
                    failures++;
                }
            }
        }
    }
    assert_int_equal(cells, (int)(sizeof table / sizeof table[0]) * N_VARIANTS * N_COLUMNS);
    assert_int_equal(failures, 0);
}

/* ---- edges ---- */

static void test_grant_live(void **state)
{
    struct af_grant g = grant(1, ALBUM, AF_ROLE_CLIENT);

    (void)state;
    assert_true(policy_grant_live(&g, NOW));
    g.expires = NOW;
    assert_false(policy_grant_live(&g, NOW));
    g.expires = NOW + 1;
    assert_true(policy_grant_live(&g, NOW));
    assert_false(policy_grant_live(&g, NOW + 1));
    g.expires = NOW - 1;
    assert_false(policy_grant_live(&g, NOW));
    g.expires = 0;
    g.revoked = NOW - 100;
    assert_false(policy_grant_live(&g, NOW));
    g.revoked = NOW + 100; /* revoked is revoked, whatever the stamp says */
    assert_false(policy_grant_live(&g, NOW));
}

static void test_expiry_boundary(void **state)
{
    struct af_grant g = grant(1, ALBUM, AF_ROLE_CLIENT);
    struct af_subject who = user(&g, 1);
    struct af_entry album = album_entry(), p = photo(SET_PUBLIC, AF_VIS_PUBLIC);
    struct af_render r;

    (void)state;
    g.expires = NOW;
    assert_int_equal(policy_album_role(&who, ALBUM, NOW, NULL), AF_ROLE_NONE);
    assert_false(policy_may_see(&who, &album, NOW));
    assert_false(policy_may_see(&who, &p, NOW));
    assert_int_equal(policy_views(&who, &p, NOW), 0);
    assert_int_equal(policy_default_view(&who, &p, NOW), 0);
    assert_int_equal(policy_render(&who, &p, AF_VIEW_PROOF, NOW, &r), -ENOENT);
    assert_int_equal(policy_may_favourite(&who, &p, NOW), -ENOENT);

    g.expires = NOW + 1;
    assert_int_equal(policy_album_role(&who, ALBUM, NOW, NULL), AF_ROLE_CLIENT);
    assert_true(policy_may_see(&who, &album, NOW));
    assert_int_equal(policy_render(&who, &p, AF_VIEW_PROOF, NOW, &r), 0);
    /* one second later the same subject sees nothing */
    assert_false(policy_may_see(&who, &p, NOW + 1));
}

static void test_revoked(void **state)
{
    struct af_grant g = grant(1, ALBUM, AF_ROLE_CLIENT);
    struct af_subject who = user(&g, 1);
    struct af_entry p = photo(SET_PUBLIC, AF_VIS_PUBLIC);

    (void)state;
    g.expires = NOW + 3600;
    g.revoked = NOW;
    assert_false(policy_may_see(&who, &p, NOW));
    assert_int_equal(policy_may_favourite(&who, &p, NOW), -ENOENT);
    assert_int_equal(policy_may_mark_private(&who, &p, NOW), -ENOENT);
}

static void test_other_album(void **state)
{
    struct af_grant g = grant(1, OTHER_ALBUM, AF_ROLE_EDITOR);
    struct af_subject who = user(&g, 1);
    struct af_entry album = album_entry(), p = photo(SET_PUBLIC, AF_VIS_PUBLIC);
    struct af_render r;

    (void)state;
    assert_int_equal(policy_album_role(&who, OTHER_ALBUM, NOW, NULL), AF_ROLE_EDITOR);
    assert_int_equal(policy_album_role(&who, ALBUM, NOW, NULL), AF_ROLE_NONE);
    assert_false(policy_may_see(&who, &album, NOW));
    assert_false(policy_may_see(&who, &p, NOW));
    assert_int_equal(policy_render(&who, &p, AF_VIEW_ORIGINAL, NOW, &r), -ENOENT);
    assert_int_equal(policy_may_modify(&who, &p, NOW), -ENOENT);
    assert_int_equal(policy_may_modify(&who, &album, NOW), -ENOENT);
}

static void test_link_other_album(void **state)
{
    struct af_grant g = grant(1, OTHER_ALBUM, AF_ROLE_GUEST);
    struct af_subject who = link_subject(&g, 1);
    struct af_entry album = album_entry(), p = photo(SET_PUBLIC, AF_VIS_PUBLIC);

    (void)state;
    assert_int_equal(policy_album_role(&who, OTHER_ALBUM, NOW, NULL), AF_ROLE_GUEST);
    assert_false(policy_may_see(&who, &album, NOW));
    assert_false(policy_may_see(&who, &p, NOW));
    assert_int_equal(policy_views(&who, &p, NOW), 0);
}

static void test_new_album_owner_only(void **state)
{
    struct af_subject nobody = user(NULL, 0), o = owner();
    struct af_entry album = album_entry();

    (void)state;
    assert_false(policy_may_see(&nobody, &album, NOW));
    assert_true(policy_may_see(&o, &album, NOW));
    assert_int_equal(policy_album_role(&o, ALBUM, NOW, NULL), AF_ROLE_OWNER);
}

/* Every function agrees that e does not exist for who. */
static void assert_hidden(const struct af_subject *who, const struct af_entry *e)
{
    struct af_render r;
    enum af_view views[] = { AF_VIEW_ORIGINAL, AF_VIEW_PROOF, AF_VIEW_WEB, AF_VIEW_HIGHRES };

    assert_false(policy_may_see(who, e, NOW));
    assert_int_equal(policy_views(who, e, NOW), 0);
    assert_int_equal(policy_default_view(who, e, NOW), 0);
    for (size_t i = 0; i < sizeof views / sizeof views[0]; i++)
        assert_int_equal(policy_render(who, e, views[i], NOW, &r), -ENOENT);
    assert_int_equal(policy_may_favourite(who, e, NOW), -ENOENT);
    assert_int_equal(policy_may_mark_private(who, e, NOW), -ENOENT);
    assert_int_equal(policy_may_modify(who, e, NOW), -ENOENT);
}

static void test_set_turned_client_only(void **state)
{
    struct af_grant gi = grant(1, ALBUM, AF_ROLE_INVITED);
    struct af_grant gg = grant(2, ALBUM, AF_ROLE_GUEST);
    struct af_grant gc = grant(3, ALBUM, AF_ROLE_CLIENT);
    struct af_subject invited = user(&gi, 1), guest = link_subject(&gg, 1),
                      client = user(&gc, 1);
    struct af_entry set = set_entry(SET_PUBLIC, AF_VIS_PUBLIC);
    struct af_entry p = photo(SET_PUBLIC, AF_VIS_PUBLIC);

    (void)state;
    /* Issued while the set was public: open to everyone. */
    gi.settings.web_downloads = gg.settings.web_downloads = true;
    gi.settings.may_favourite = gg.settings.may_favourite = true;
    assert_true(policy_may_see(&invited, &p, NOW));
    assert_true(policy_may_see(&guest, &p, NOW));
    /* The photographer turns it client-only: the grants are unchanged. */
    set.set_visibility = p.set_visibility = AF_VIS_CLIENT;
    assert_hidden(&invited, &set);
    assert_hidden(&invited, &p);
    assert_hidden(&guest, &set);
    assert_hidden(&guest, &p);
    assert_true(policy_may_see(&client, &p, NOW));
    /* ... and then team-only: the client loses it too. */
    set.set_visibility = p.set_visibility = AF_VIS_TEAM;
    assert_hidden(&client, &set);
    assert_hidden(&client, &p);
}

static void test_private_photo(void **state)
{
    struct af_grant gi = grant(1, ALBUM, AF_ROLE_INVITED);
    struct af_grant gg = grant(2, ALBUM, AF_ROLE_GUEST);
    struct af_grant gc = grant(3, ALBUM, AF_ROLE_CLIENT);
    struct af_subject invited = user(&gi, 1), guest = link_subject(&gg, 1),
                      client = user(&gc, 1);
    struct af_entry p = photo(SET_PUBLIC, AF_VIS_PUBLIC);

    (void)state;
    p.is_private = true;
    assert_hidden(&invited, &p);
    assert_hidden(&guest, &p);
    assert_true(policy_may_see(&client, &p, NOW));
    assert_int_equal(policy_default_view(&client, &p, NOW), AF_VIEW_PROOF);
    assert_int_equal(policy_may_mark_private(&client, &p, NOW), 0); /* to unmark it */
}

static void test_trash(void **state)
{
    struct af_grant ge = grant(1, ALBUM, AF_ROLE_EDITOR);
    struct af_grant gc = grant(2, ALBUM, AF_ROLE_CLIENT);
    struct af_grant gi = grant(3, ALBUM, AF_ROLE_INVITED);
    struct af_grant gg = grant(4, ALBUM, AF_ROLE_GUEST);
    struct af_subject editor = user(&ge, 1), client = user(&gc, 1), invited = user(&gi, 1),
                      guest = link_subject(&gg, 1), o = owner();
    struct af_entry p = photo(SET_PUBLIC, AF_VIS_PUBLIC);

    (void)state;
    p.trashed = true;
    assert_true(policy_may_see(&o, &p, NOW));
    assert_true(policy_may_see(&editor, &p, NOW));
    assert_int_equal(policy_default_view(&editor, &p, NOW), AF_VIEW_ORIGINAL);
    assert_int_equal(policy_may_modify(&editor, &p, NOW), 0);
    assert_hidden(&client, &p);
    assert_hidden(&invited, &p);
    assert_hidden(&guest, &p);
}

static void test_union_of_grants(void **state)
{
    struct af_grant g[2] = { grant(1, ALBUM, AF_ROLE_INVITED), grant(2, ALBUM, AF_ROLE_CLIENT) };
    struct af_subject both = user(g, 2), only_a = user(&g[0], 1), only_b = user(&g[1], 1);
    struct af_entry pub = photo(SET_PUBLIC, AF_VIS_PUBLIC);
    struct af_entry cli = photo(SET_CLIENT, AF_VIS_CLIENT);
    struct af_render r;
    int64_t via;

    (void)state;
    g[0].settings.web_downloads = true; /* A: invited, web on, high-res off */
    g[1].settings.web_downloads = false; /* B: client, web off, high-res original from P */
    g[1].settings.highres = AF_HIGHRES_ORIGINAL;
    g[1].settings.pool_id = POOL;

    /* Neither alone gives it all. */
    assert_int_equal(policy_views(&only_a, &pub, NOW), AF_VIEW_PROOF | AF_VIEW_WEB);
    assert_false(policy_may_see(&only_a, &cli, NOW));
    assert_int_equal(policy_views(&only_b, &pub, NOW), AF_VIEW_PROOF | AF_VIEW_HIGHRES);

    /* Together: client sets, web downloads and high-res from P. */
    assert_int_equal(policy_album_role(&both, ALBUM, NOW, &via), AF_ROLE_CLIENT);
    assert_int_equal(via, 2);
    assert_true(policy_may_see(&both, &cli, NOW));
    assert_int_equal(policy_views(&both, &pub, NOW),
                     AF_VIEW_PROOF | AF_VIEW_WEB | AF_VIEW_HIGHRES);
    assert_int_equal(policy_render(&both, &pub, AF_VIEW_WEB, NOW, &r), 0);
    assert_int_equal(r.grant_id, 1);
    assert_int_equal(r.pool_id, 0);
    assert_int_equal(policy_render(&both, &pub, AF_VIEW_HIGHRES, NOW, &r), 0);
    assert_int_equal(r.grant_id, 2);
    assert_int_equal(r.pool_id, POOL);
    assert_int_equal(r.long_edge, 0);
    /* A grant's settings reach only what that grant sees: A does not see the
     * client-only set, so its web downloads do not extend to it. */
    assert_int_equal(policy_views(&both, &cli, NOW), AF_VIEW_PROOF | AF_VIEW_HIGHRES);
    assert_int_equal(policy_render(&both, &cli, AF_VIEW_WEB, NOW, &r), -EACCES);
    /* The union expires grant by grant. */
    g[1].expires = NOW;
    assert_false(policy_may_see(&both, &cli, NOW));
    assert_int_equal(policy_views(&both, &pub, NOW), AF_VIEW_PROOF | AF_VIEW_WEB);
}

static void test_union_capped_per_grant(void **state)
{
    struct af_grant g[2] = { grant(1, ALBUM, AF_ROLE_INVITED), grant(2, ALBUM, AF_ROLE_CLIENT) };
    struct af_subject who = user(g, 2);
    struct af_entry p = photo(SET_PUBLIC, AF_VIS_PUBLIC);

    (void)state;
    /* The invited grant says "may mark private": its column says no. The
     * client grant may not. Together: no. */
    g[0].settings.may_mark_private = true;
    g[1].settings.may_mark_private = false;
    assert_int_equal(policy_may_mark_private(&who, &p, NOW), -EPERM);
    g[1].settings.may_mark_private = true;
    assert_int_equal(policy_may_mark_private(&who, &p, NOW), 0);
    /* The album's own rule caps them all. */
    p.album_allows_private_marks = false;
    assert_int_equal(policy_may_mark_private(&who, &p, NOW), -EPERM);
}

static void test_link_capped_to_guest(void **state)
{
    struct af_grant g = grant(1, ALBUM, AF_ROLE_CLIENT);
    struct af_subject who = link_subject(&g, 1);
    struct af_entry album = album_entry();
    struct af_entry pub = photo(SET_PUBLIC, AF_VIS_PUBLIC);
    struct af_entry cli = photo(SET_CLIENT, AF_VIS_CLIENT);
    struct af_entry priv = pub;
    int64_t via;

    (void)state;
    priv.is_private = true;
    g.settings.may_mark_private = true;
    assert_int_equal(policy_album_role(&who, ALBUM, NOW, &via), AF_ROLE_GUEST);
    assert_int_equal(via, 1);
    assert_true(policy_may_see(&who, &pub, NOW));
    assert_hidden(&who, &cli);
    assert_hidden(&who, &priv);
    assert_int_equal(policy_may_mark_private(&who, &pub, NOW), -EPERM);
    assert_int_equal(policy_default_view(&who, &pub, NOW), AF_VIEW_PROOF);
    /* A row claiming EDITOR is capped the same way. */
    g.role = AF_ROLE_EDITOR;
    assert_int_equal(policy_album_role(&who, ALBUM, NOW, NULL), AF_ROLE_GUEST);
    assert_int_equal(policy_may_modify(&who, &album, NOW), -EPERM);
    assert_int_equal(policy_views(&who, &pub, NOW), AF_VIEW_PROOF);
    assert_hidden(&who, &cli);
}

/* A link's client door (issue 12) holds up to CLIENT: client sets, private
 * photos, marking private; never an editor's rights. */
static void test_client_door_capped_to_client(void **state)
{
    struct af_grant g = grant(1, ALBUM, AF_ROLE_CLIENT);
    struct af_subject who = link_subject(&g, 1);
    struct af_entry album = album_entry();
    struct af_entry pub = photo(SET_PUBLIC, AF_VIS_PUBLIC);
    struct af_entry cli = photo(SET_CLIENT, AF_VIS_CLIENT);
    struct af_entry team = photo(SET_TEAM, AF_VIS_TEAM);
    struct af_entry priv = pub;

    (void)state;
    who.client_door = true;
    priv.is_private = true;
    g.settings.may_mark_private = true;
    assert_int_equal(policy_album_role(&who, ALBUM, NOW, NULL), AF_ROLE_CLIENT);
    assert_true(policy_may_see(&who, &cli, NOW));
    assert_true(policy_may_see(&who, &priv, NOW));
    assert_hidden(&who, &team);
    assert_int_equal(policy_may_mark_private(&who, &pub, NOW), 0);
    g.role = AF_ROLE_EDITOR;
    assert_int_equal(policy_album_role(&who, ALBUM, NOW, NULL), AF_ROLE_CLIENT);
    assert_int_equal(policy_may_modify(&who, &album, NOW), -EPERM);
    assert_hidden(&who, &team);
    assert_int_equal(policy_default_view(&who, &pub, NOW), AF_VIEW_PROOF);
    /* The same grant without the door: a guest's. */
    who.client_door = false;
    assert_int_equal(policy_album_role(&who, ALBUM, NOW, NULL), AF_ROLE_GUEST);
    assert_hidden(&who, &cli);
    assert_hidden(&who, &priv);
}

static void test_roles_a_grant_cannot_hold(void **state)
{
    struct af_grant g = grant(1, ALBUM, AF_ROLE_CLIENT);
    struct af_subject who = user(&g, 1);
    struct af_entry album = album_entry();

    (void)state;
    g.role = AF_ROLE_OWNER;
    assert_int_equal(policy_album_role(&who, ALBUM, NOW, NULL), AF_ROLE_NONE);
    assert_false(policy_may_see(&who, &album, NOW));
    g.role = AF_ROLE_NONE;
    assert_false(policy_may_see(&who, &album, NOW));
    g.role = (enum af_role)42;
    assert_false(policy_may_see(&who, &album, NOW));
}

static void test_nobody(void **state)
{
    struct af_grant g = grant(1, ALBUM, AF_ROLE_CLIENT);
    struct af_subject who = { .kind = AF_PRINCIPAL_NOBODY, .grants = &g, .n_grants = 1 };
    struct af_entry album = album_entry(), set = set_entry(SET_PUBLIC, AF_VIS_PUBLIC),
                    p = photo(SET_PUBLIC, AF_VIS_PUBLIC);
    int64_t via = -1;

    (void)state;
    /* Even handed grants, nobody holds none. */
    assert_int_equal(policy_album_role(&who, ALBUM, NOW, &via), AF_ROLE_NONE);
    assert_int_equal(via, 0);
    assert_hidden(&who, &album);
    assert_hidden(&who, &set);
    assert_hidden(&who, &p);
    assert_int_equal(policy_may_administer(&who), -EPERM);
    /* A missing subject or entry is nobody and nothing. */
    assert_int_equal(policy_album_role(NULL, ALBUM, NOW, NULL), AF_ROLE_NONE);
    assert_hidden(NULL, &p);
    assert_false(policy_may_see(&who, NULL, NOW));
    assert_int_equal(policy_may_administer(NULL), -EPERM);
    /* A user with grants but a NULL array holds none. */
    who.kind = AF_PRINCIPAL_USER;
    who.grants = NULL;
    assert_hidden(&who, &p);
}

static void test_documents(void **state)
{
    struct af_grant gg = grant(1, ALBUM, AF_ROLE_GUEST);
    struct af_grant gi = grant(2, ALBUM, AF_ROLE_INVITED);
    struct af_grant gc = grant(3, ALBUM, AF_ROLE_CLIENT);
    struct af_subject guest = link_subject(&gg, 1), invited = user(&gi, 1),
                      client = user(&gc, 1), o = owner();
    struct af_entry doc = photo(SET_PUBLIC, AF_VIS_PUBLIC), cdoc;
    struct af_render r;

    (void)state;
    doc.kind = AF_ENTRY_DOCUMENT;
    gg.settings.may_favourite = true;
    assert_int_equal(policy_views(&guest, &doc, NOW), AF_VIEW_ORIGINAL);
    assert_int_equal(policy_default_view(&guest, &doc, NOW), AF_VIEW_ORIGINAL);
    assert_int_equal(policy_render(&guest, &doc, AF_VIEW_ORIGINAL, NOW, &r), 0);
    assert_int_equal(r.view, AF_VIEW_ORIGINAL);
    assert_int_equal(r.long_edge, 0);
    assert_false(r.watermark);
    assert_int_equal(r.pool_id, 0);
    assert_int_equal(r.grant_id, 1);
    assert_int_equal(policy_render(&guest, &doc, AF_VIEW_PROOF, NOW, &r), -EACCES);
    assert_int_equal(policy_render(&guest, &doc, AF_VIEW_HIGHRES, NOW, &r), -EACCES);
    assert_int_equal(policy_views(&o, &doc, NOW), AF_VIEW_ORIGINAL);
    assert_int_equal(policy_may_favourite(&guest, &doc, NOW), -EPERM);
    assert_int_equal(policy_may_mark_private(&client, &doc, NOW), 0);
    /* Same rules as photos. */
    cdoc = doc;
    cdoc.set_id = SET_CLIENT;
    cdoc.set_visibility = AF_VIS_CLIENT;
    assert_hidden(&invited, &cdoc);
    assert_int_equal(policy_views(&client, &cdoc, NOW), AF_VIEW_ORIGINAL);
    doc.is_private = true;
    assert_hidden(&invited, &doc);
    assert_hidden(&guest, &doc);
}

static void test_albums_and_sets_have_no_views(void **state)
{
    struct af_grant g = grant(1, ALBUM, AF_ROLE_CLIENT);
    struct af_subject who = user(&g, 1), o = owner();
    struct af_entry album = album_entry(), set = set_entry(SET_PUBLIC, AF_VIS_PUBLIC);
    struct af_render r;

    (void)state;
    assert_int_equal(policy_views(&o, &album, NOW), 0);
    assert_int_equal(policy_views(&who, &set, NOW), 0);
    assert_int_equal(policy_default_view(&o, &set, NOW), 0);
    assert_int_equal(policy_render(&o, &album, AF_VIEW_ORIGINAL, NOW, &r), -EACCES);
    assert_int_equal(policy_render(&who, &set, AF_VIEW_PROOF, NOW, &r), -EACCES);
    assert_int_equal(policy_may_favourite(&who, &set, NOW), -EPERM);
    assert_int_equal(policy_may_mark_private(&who, &album, NOW), -EPERM);
}

static void test_render_owner_editor(void **state)
{
    struct af_grant g = grant(33, ALBUM, AF_ROLE_EDITOR);
    struct af_subject editor = user(&g, 1), o = owner();
    struct af_entry p = photo(SET_TEAM, AF_VIS_TEAM);
    struct af_render r;

    (void)state;
    /* An editor grant's settings do not narrow the role. */
    g.settings.watermark_downloads = true;
    g.settings.pool_id = POOL;
    assert_int_equal(policy_views(&o, &p, NOW), AF_VIEW_ORIGINAL | AF_VIEW_WEB | AF_VIEW_HIGHRES);
    assert_int_equal(policy_views(&editor, &p, NOW),
                     AF_VIEW_ORIGINAL | AF_VIEW_WEB | AF_VIEW_HIGHRES);

    assert_int_equal(policy_render(&o, &p, AF_VIEW_ORIGINAL, NOW, &r), 0);
    assert_int_equal(r.view, AF_VIEW_ORIGINAL);
    assert_int_equal(r.long_edge, 0);
    assert_false(r.watermark);
    assert_false(r.recipient_mark);
    assert_int_equal(r.metadata, AF_META_KEEP_ALL);
    assert_int_equal(r.grant_id, 0);
    assert_int_equal(r.pool_id, 0);

    assert_int_equal(policy_render(&editor, &p, AF_VIEW_WEB, NOW, &r), 0);
    assert_int_equal(r.long_edge, AF_DEFAULT_WEB_EDGE);
    assert_false(r.watermark);
    assert_int_equal(r.metadata, AF_META_STRIP_ALL);
    assert_int_equal(r.grant_id, 33);
    assert_int_equal(r.pool_id, 0);

    assert_int_equal(policy_render(&editor, &p, AF_VIEW_HIGHRES, NOW, &r), 0);
    assert_int_equal(r.long_edge, 0);
    assert_false(r.watermark);
    assert_int_equal(r.metadata, AF_META_KEEP_ALL);
    assert_int_equal(r.pool_id, 0);

    assert_int_equal(policy_render(&o, &p, AF_VIEW_PROOF, NOW, &r), -EACCES);
    assert_int_equal(policy_render(&editor, &p, AF_VIEW_PROOF, NOW, &r), -EACCES);
    assert_int_equal(policy_render(&o, &p, (enum af_view)0, NOW, &r), -EACCES);
}

static void test_render_fields(void **state)
{
    struct af_grant g = grant(8, ALBUM, AF_ROLE_CLIENT);
    struct af_subject who = user(&g, 1);
    struct af_entry p = photo(SET_PUBLIC, AF_VIS_PUBLIC);
    struct af_render r;

    (void)state;
    g.settings.watermark_proofs = false;
    g.settings.watermark_downloads = true;
    g.settings.watermark_recipient = true;
    g.settings.web_downloads = true;
    g.settings.web_long_edge = 1200;
    g.settings.highres = AF_HIGHRES_MAX_EDGE;
    g.settings.highres_long_edge = 4000;
    g.settings.pool_id = POOL;

    assert_int_equal(policy_render(&who, &p, AF_VIEW_PROOF, NOW, &r), 0);
    assert_int_equal(r.view, AF_VIEW_PROOF);
    assert_int_equal(r.long_edge, AF_DEFAULT_PROOF_EDGE);
    assert_false(r.watermark);
    assert_true(r.recipient_mark);
    assert_int_equal(r.metadata, AF_META_STRIP_ALL);
    assert_int_equal(r.grant_id, 8);
    assert_int_equal(r.pool_id, 0);

    assert_int_equal(policy_render(&who, &p, AF_VIEW_WEB, NOW, &r), 0);
    assert_int_equal(r.view, AF_VIEW_WEB);
    assert_int_equal(r.long_edge, 1200);
    assert_true(r.watermark);
    assert_true(r.recipient_mark);
    assert_int_equal(r.metadata, AF_META_STRIP_ALL);
    assert_int_equal(r.pool_id, 0);

    assert_int_equal(policy_render(&who, &p, AF_VIEW_HIGHRES, NOW, &r), 0);
    assert_int_equal(r.view, AF_VIEW_HIGHRES);
    assert_int_equal(r.long_edge, 4000);
    assert_true(r.watermark);
    assert_int_equal(r.metadata, AF_META_STRIP_GPS);
    assert_int_equal(r.pool_id, POOL);

    /* Never the original bytes of a photo below editor. */
    assert_int_equal(policy_render(&who, &p, AF_VIEW_ORIGINAL, NOW, &r), -EACCES);
    assert_int_equal(policy_render(&who, &p, (enum af_view)(AF_VIEW_WEB | AF_VIEW_PROOF), NOW,
                                   &r),
                     -EACCES);
}

static void test_unclamped_settings_bounded(void **state)
{
    struct af_grant g = grant(1, ALBUM, AF_ROLE_CLIENT);
    struct af_subject who = user(&g, 1);
    struct af_entry p = photo(SET_PUBLIC, AF_VIS_PUBLIC);
    struct af_render r;

    (void)state;
    /* A proof edge of 0 must not become "original size". */
    g.settings.proof_long_edge = 0;
    g.settings.web_downloads = true;
    g.settings.web_long_edge = 100000;
    g.settings.highres = AF_HIGHRES_MAX_EDGE;
    g.settings.highres_long_edge = 0;
    g.settings.highres_metadata = (enum af_metadata)9;
    assert_int_equal(policy_render(&who, &p, AF_VIEW_PROOF, NOW, &r), 0);
    assert_int_equal(r.long_edge, AF_MIN_EDGE);
    assert_int_equal(policy_render(&who, &p, AF_VIEW_WEB, NOW, &r), 0);
    assert_int_equal(r.long_edge, AF_MAX_VIEW_EDGE);
    assert_int_equal(policy_render(&who, &p, AF_VIEW_HIGHRES, NOW, &r), 0);
    assert_int_equal(r.long_edge, AF_MIN_EDGE);
    assert_int_equal(r.metadata, AF_META_STRIP_ALL);
    /* An unknown high-res mode is off. */
    g.settings.highres = (enum af_highres)9;
    assert_int_equal(policy_render(&who, &p, AF_VIEW_HIGHRES, NOW, &r), -EACCES);
    assert_int_equal(policy_views(&who, &p, NOW), AF_VIEW_PROOF | AF_VIEW_WEB);
    /* An unknown visibility is the owner's alone. */
    p.set_visibility = (enum af_visibility)7;
    assert_false(policy_may_see(&who, &p, NOW));
    g.role = AF_ROLE_EDITOR;
    assert_false(policy_may_see(&who, &p, NOW));
    who = owner();
    assert_true(policy_may_see(&who, &p, NOW));
}

/* Render `view` of p for a user holding grants g[0..n) and return the id of
 * the grant chosen, or the error. */
static int64_t chosen(const struct af_grant *g, size_t n, enum af_view view)
{
    struct af_subject who = user(g, n);
    struct af_entry p = photo(SET_PUBLIC, AF_VIS_PUBLIC);
    struct af_render r;
    int rc = policy_render(&who, &p, view, NOW, &r);

    return rc != 0 ? rc : r.grant_id;
}

static void set_highres(struct af_grant *g, enum af_highres mode, uint32_t edge, int64_t pool,
                    bool watermark)
{
    g->settings.highres = mode;
    g->settings.highres_long_edge = edge;
    g->settings.pool_id = pool;
    g->settings.watermark_downloads = watermark;
}

static void test_render_most_generous(void **state)
{
    struct af_grant g[3] = { grant(1, ALBUM, AF_ROLE_CLIENT), grant(2, ALBUM, AF_ROLE_INVITED),
                             grant(3, ALBUM, AF_ROLE_CLIENT) };
    struct af_grant rev[3];

    (void)state;
    /* No pool beats a pool, even a pool of originals. */
    set_highres(&g[0], AF_HIGHRES_ORIGINAL, 0, POOL, false);
    set_highres(&g[1], AF_HIGHRES_MAX_EDGE, 3000, 0, true);
    set_highres(&g[2], AF_HIGHRES_OFF, 0, 0, false);
    assert_int_equal(chosen(g, 3, AF_VIEW_HIGHRES), 2);
    /* Original beats any max edge; a bigger edge beats a smaller. */
    set_highres(&g[0], AF_HIGHRES_MAX_EDGE, 5000, 0, true);
    set_highres(&g[1], AF_HIGHRES_MAX_EDGE, 3000, 0, false);
    assert_int_equal(chosen(g, 3, AF_VIEW_HIGHRES), 1);
    set_highres(&g[2], AF_HIGHRES_ORIGINAL, 0, 0, true);
    assert_int_equal(chosen(g, 3, AF_VIEW_HIGHRES), 3);
    /* Same size: unwatermarked beats watermarked. */
    set_highres(&g[0], AF_HIGHRES_MAX_EDGE, 3000, 0, true);
    set_highres(&g[2], AF_HIGHRES_OFF, 0, 0, false);
    assert_int_equal(chosen(g, 3, AF_VIEW_HIGHRES), 2);
    /* Then without recipient mark, then more metadata. */
    g[1].settings.watermark_downloads = true;
    g[1].settings.watermark_recipient = true;
    assert_int_equal(chosen(g, 3, AF_VIEW_HIGHRES), 1);
    g[1].settings.watermark_recipient = false;
    g[0].settings.highres_metadata = AF_META_STRIP_ALL;
    g[1].settings.highres_metadata = AF_META_KEEP_ALL;
    assert_int_equal(chosen(g, 3, AF_VIEW_HIGHRES), 2);
    /* The choice does not depend on the order of the grants. */
    rev[0] = g[2];
    rev[1] = g[1];
    rev[2] = g[0];
    assert_int_equal(chosen(rev, 3, AF_VIEW_HIGHRES), 2);

    /* Proofs: a bigger proof first, then unwatermarked. */
    g[0].settings.proof_long_edge = 1024;
    g[0].settings.watermark_proofs = false;
    g[1].settings.proof_long_edge = 2048;
    g[1].settings.watermark_proofs = true;
    g[2].settings.proof_long_edge = 2048;
    g[2].settings.watermark_proofs = false;
    assert_int_equal(chosen(g, 3, AF_VIEW_PROOF), 3);
    g[2].settings.watermark_proofs = true;
    assert_int_equal(chosen(g, 3, AF_VIEW_PROOF), 2); /* a tie goes to the earlier grant */

    /* Web: only the grants with web downloads count. */
    g[0].settings.web_downloads = false;
    g[1].settings.web_downloads = true;
    g[1].settings.web_long_edge = 800;
    g[2].settings.web_downloads = true;
    g[2].settings.web_long_edge = 1600;
    assert_int_equal(chosen(g, 3, AF_VIEW_WEB), 3);
    g[2].expires = NOW;
    assert_int_equal(chosen(g, 3, AF_VIEW_WEB), 2);
    g[1].revoked = NOW;
    assert_int_equal(chosen(g, 3, AF_VIEW_WEB), -EACCES);
}

static void test_download_sets(void **state)
{
    struct af_grant g[2] = { grant(1, ALBUM, AF_ROLE_CLIENT), grant(2, ALBUM, AF_ROLE_INVITED) };
    struct af_subject who = user(g, 1);
    struct af_entry a = photo(SET_PUBLIC, AF_VIS_PUBLIC);
    struct af_entry b = photo(SET_PUBLIC_B, AF_VIS_PUBLIC);
    struct af_entry c = photo(SET_CLIENT, AF_VIS_CLIENT);
    struct af_render r;

    (void)state;
    g[0].settings.web_downloads = true;
    g[0].settings.highres = AF_HIGHRES_ORIGINAL;
    /* No list: every set the grant sees. */
    assert_int_equal(policy_views(&who, &b, NOW), AF_VIEW_PROOF | AF_VIEW_WEB | AF_VIEW_HIGHRES);
    assert_int_equal(policy_views(&who, &c, NOW), AF_VIEW_PROOF | AF_VIEW_WEB | AF_VIEW_HIGHRES);
    /* A list restricts downloads, not browsing. */
    g[0].settings.n_download_sets = 2;
    g[0].settings.download_sets[0] = SET_CLIENT;
    g[0].settings.download_sets[1] = SET_PUBLIC;
    assert_int_equal(policy_views(&who, &a, NOW), AF_VIEW_PROOF | AF_VIEW_WEB | AF_VIEW_HIGHRES);
    assert_int_equal(policy_views(&who, &c, NOW), AF_VIEW_PROOF | AF_VIEW_WEB | AF_VIEW_HIGHRES);
    assert_int_equal(policy_views(&who, &b, NOW), AF_VIEW_PROOF);
    assert_int_equal(policy_render(&who, &b, AF_VIEW_WEB, NOW, &r), -EACCES);
    assert_int_equal(policy_render(&who, &b, AF_VIEW_HIGHRES, NOW, &r), -EACCES);
    assert_int_equal(policy_render(&who, &b, AF_VIEW_PROOF, NOW, &r), 0);
    /* Another grant may open set B for web only. */
    g[1].settings.web_downloads = true;
    g[1].settings.n_download_sets = 1;
    g[1].settings.download_sets[0] = SET_PUBLIC_B;
    who = user(g, 2);
    assert_int_equal(policy_views(&who, &b, NOW), AF_VIEW_PROOF | AF_VIEW_WEB);
    assert_int_equal(policy_render(&who, &b, AF_VIEW_WEB, NOW, &r), 0);
    assert_int_equal(r.grant_id, 2);
    /* A count past the array reads only the array. */
    who = user(g, 1);
    g[0].settings.n_download_sets = 1000;
    for (size_t i = 0; i < AF_MAX_DOWNLOAD_SETS; i++)
        g[0].settings.download_sets[i] = SET_CLIENT;
    assert_int_equal(policy_views(&who, &a, NOW), AF_VIEW_PROOF);
}

static void test_favourites(void **state)
{
    struct af_grant g[2] = { grant(1, ALBUM, AF_ROLE_EDITOR), grant(2, ALBUM, AF_ROLE_CLIENT) };
    struct af_subject editor = user(g, 1), both = user(g, 2);
    struct af_entry p = photo(SET_PUBLIC, AF_VIS_PUBLIC);

    (void)state;
    assert_int_equal(policy_may_favourite(&editor, &p, NOW), -EPERM);
    /* An editor who also holds a client grant picks through it. */
    assert_int_equal(policy_may_favourite(&both, &p, NOW), 0);
    g[1].settings.may_favourite = false;
    assert_int_equal(policy_may_favourite(&both, &p, NOW), -EPERM);
}

static void test_album_role_via(void **state)
{
    struct af_grant g[3] = { grant(3, ALBUM, AF_ROLE_INVITED), grant(4, ALBUM, AF_ROLE_CLIENT),
                             grant(5, ALBUM, AF_ROLE_CLIENT) };
    struct af_subject who = user(g, 3), o = owner();
    int64_t via = -1;

    (void)state;
    assert_int_equal(policy_album_role(&who, ALBUM, NOW, &via), AF_ROLE_CLIENT);
    assert_int_equal(via, 4);
    g[1].expires = NOW;
    assert_int_equal(policy_album_role(&who, ALBUM, NOW, &via), AF_ROLE_CLIENT);
    assert_int_equal(via, 5);
    assert_int_equal(policy_album_role(&o, ALBUM, NOW, &via), AF_ROLE_OWNER);
    assert_int_equal(via, 0);
    assert_int_equal(policy_album_role(&who, OTHER_ALBUM, NOW, &via), AF_ROLE_NONE);
    assert_int_equal(via, 0);
}

/* ---- settings ---- */

static void test_settings_default(void **state)
{
    static const enum af_role roles[] = { AF_ROLE_GUEST, AF_ROLE_INVITED, AF_ROLE_CLIENT,
                                          AF_ROLE_EDITOR };

    (void)state;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        struct af_grant_settings s, copy;

        memset(&s, 0xAB, sizeof s);
        policy_settings_default(roles[i], &s);
        assert_int_equal(s.proof_long_edge, AF_DEFAULT_PROOF_EDGE);
        assert_true(s.watermark_proofs);
        assert_true(s.watermark_downloads);
        assert_false(s.watermark_recipient);
        assert_false(s.web_downloads);
        assert_int_equal(s.web_long_edge, AF_DEFAULT_WEB_EDGE);
        assert_int_equal(s.highres, AF_HIGHRES_OFF);
        assert_int_equal(s.highres_long_edge, 0);
        assert_int_equal(s.pool_id, 0);
        assert_int_equal(s.highres_metadata, AF_META_STRIP_GPS);
        assert_int_equal(s.may_favourite,
                         roles[i] == AF_ROLE_CLIENT || roles[i] == AF_ROLE_INVITED);
        assert_int_equal(s.may_mark_private, roles[i] == AF_ROLE_CLIENT);
        assert_false(s.notify);
        assert_int_equal(s.n_download_sets, 0);
        /* Defaults are already within their column. */
        copy = s;
        assert_false(policy_settings_clamp(roles[i], &s));
        assert_memory_equal(&copy, &s, sizeof s);
    }
}

static void test_settings_clamp(void **state)
{
    struct af_grant_settings s;

    (void)state;
    /* Invited and guests never mark private. */
    policy_settings_default(AF_ROLE_INVITED, &s);
    s.may_mark_private = true;
    assert_true(policy_settings_clamp(AF_ROLE_INVITED, &s));
    assert_false(s.may_mark_private);
    policy_settings_default(AF_ROLE_GUEST, &s);
    s.may_mark_private = true;
    s.may_favourite = true; /* a guest may favourite when the grant says so */
    assert_true(policy_settings_clamp(AF_ROLE_GUEST, &s));
    assert_false(s.may_mark_private);
    assert_true(s.may_favourite);
    /* A client keeps what the column allows. */
    policy_settings_default(AF_ROLE_CLIENT, &s);
    open_settings(&s);
    assert_false(policy_settings_clamp(AF_ROLE_CLIENT, &s));
    assert_true(s.may_mark_private);
    /* Editors have no favourites. */
    policy_settings_default(AF_ROLE_EDITOR, &s);
    s.may_favourite = true;
    assert_true(policy_settings_clamp(AF_ROLE_EDITOR, &s));
    assert_false(s.may_favourite);
    /* A role no grant holds is clamped as a guest. */
    policy_settings_default(AF_ROLE_CLIENT, &s);
    assert_true(policy_settings_clamp(AF_ROLE_OWNER, &s));
    assert_false(s.may_mark_private);

    /* Edges. */
    policy_settings_default(AF_ROLE_CLIENT, &s);
    s.proof_long_edge = 10;
    assert_true(policy_settings_clamp(AF_ROLE_CLIENT, &s));
    assert_int_equal(s.proof_long_edge, AF_MIN_EDGE);
    s.proof_long_edge = 100000;
    s.web_long_edge = 0;
    assert_true(policy_settings_clamp(AF_ROLE_CLIENT, &s));
    assert_int_equal(s.proof_long_edge, AF_MAX_VIEW_EDGE);
    assert_int_equal(s.web_long_edge, AF_MIN_EDGE);
    s.proof_long_edge = AF_MIN_EDGE;
    s.web_long_edge = AF_MAX_VIEW_EDGE;
    assert_false(policy_settings_clamp(AF_ROLE_CLIENT, &s));
    s.highres = AF_HIGHRES_MAX_EDGE;
    s.highres_long_edge = 0;
    assert_true(policy_settings_clamp(AF_ROLE_CLIENT, &s));
    assert_int_equal(s.highres_long_edge, AF_MIN_EDGE);
    s.highres_long_edge = 70000;
    assert_true(policy_settings_clamp(AF_ROLE_CLIENT, &s));
    assert_int_equal(s.highres_long_edge, AF_MAX_HIGHRES_EDGE);
    s.highres_long_edge = 6000;
    assert_false(policy_settings_clamp(AF_ROLE_CLIENT, &s));
    /* The edge of an original-size or no high-res is left alone. */
    s.highres = AF_HIGHRES_ORIGINAL;
    s.highres_long_edge = 0;
    assert_false(policy_settings_clamp(AF_ROLE_CLIENT, &s));

    /* Values no setting has are read as the most restrictive. */
    s.highres = (enum af_highres)7;
    assert_true(policy_settings_clamp(AF_ROLE_CLIENT, &s));
    assert_int_equal(s.highres, AF_HIGHRES_OFF);
    s.highres_metadata = (enum af_metadata)7;
    assert_true(policy_settings_clamp(AF_ROLE_CLIENT, &s));
    assert_int_equal(s.highres_metadata, AF_META_STRIP_ALL);
    s.n_download_sets = 100;
    assert_true(policy_settings_clamp(AF_ROLE_CLIENT, &s));
    assert_int_equal(s.n_download_sets, AF_MAX_DOWNLOAD_SETS);
    assert_false(policy_settings_clamp(AF_ROLE_CLIENT, &s));
}

/* ---- names of roles, visibilities and views ---- */

/* Who may change a private mark, by role and by who set it: an owner's or
 * editor's mark is theirs to lift; a client lifts only a client's mark. */
static void test_may_set_private(void **state)
{
    static const struct {
        enum af_role role;
        int none, client, studio; /* expected for each marker */
    } cases[] = {
        {AF_ROLE_NONE, -EPERM, -EPERM, -EPERM},
        {AF_ROLE_GUEST, -EPERM, -EPERM, -EPERM},
        {AF_ROLE_INVITED, -EPERM, -EPERM, -EPERM},
        {AF_ROLE_CLIENT, 0, 0, -EPERM},
        {AF_ROLE_EDITOR, 0, 0, 0},
        {AF_ROLE_OWNER, 0, 0, 0},
        {(enum af_role)6, -EPERM, -EPERM, -EPERM},
        {(enum af_role)-1, -EPERM, -EPERM, -EPERM},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(policy_may_set_private(cases[i].role, AF_MARKER_NONE), cases[i].none);
        assert_int_equal(policy_may_set_private(cases[i].role, AF_MARKER_CLIENT), cases[i].client);
        assert_int_equal(policy_may_set_private(cases[i].role, AF_MARKER_STUDIO), cases[i].studio);
    }
    /* An unknown marker is nobody's to assume: a client may not touch it. */
    assert_int_equal(policy_may_set_private(AF_ROLE_CLIENT, (enum af_marker)7), -EPERM);
    assert_int_equal(policy_may_set_private(AF_ROLE_OWNER, (enum af_marker)7), 0);
}

static void test_vocabulary(void **state)
{
    enum af_role r = AF_ROLE_NONE;
    enum af_visibility v = AF_VIS_TEAM;

    (void)state;
    assert_string_equal(policy_role_name(AF_ROLE_NONE), "none");
    assert_string_equal(policy_role_name(AF_ROLE_GUEST), "guest");
    assert_string_equal(policy_role_name(AF_ROLE_INVITED), "invited");
    assert_string_equal(policy_role_name(AF_ROLE_CLIENT), "client");
    assert_string_equal(policy_role_name(AF_ROLE_EDITOR), "editor");
    assert_string_equal(policy_role_name(AF_ROLE_OWNER), "owner");
    assert_string_equal(policy_role_name((enum af_role)17), "unknown");
    for (enum af_role i = AF_ROLE_GUEST; i <= AF_ROLE_EDITOR; i++) {
        assert_int_equal(policy_role_parse(policy_role_name(i), &r), 0);
        assert_int_equal(r, i);
    }
    assert_int_equal(policy_role_parse("Client", &r), 0);
    assert_int_equal(r, AF_ROLE_CLIENT);
    r = AF_ROLE_GUEST;
    assert_int_equal(policy_role_parse("owner", &r), -EINVAL);
    assert_int_equal(policy_role_parse("none", &r), -EINVAL);
    assert_int_equal(policy_role_parse("", &r), -EINVAL);
    assert_int_equal(policy_role_parse("clients", &r), -EINVAL);
    assert_int_equal(policy_role_parse(NULL, &r), -EINVAL);
    assert_int_equal(r, AF_ROLE_GUEST);

    assert_string_equal(policy_visibility_name(AF_VIS_PUBLIC), "public");
    assert_string_equal(policy_visibility_name(AF_VIS_CLIENT), "client");
    assert_string_equal(policy_visibility_name(AF_VIS_TEAM), "team");
    assert_string_equal(policy_visibility_name((enum af_visibility)3), "unknown");
    assert_int_equal(policy_visibility_parse("public", &v), 0);
    assert_int_equal(v, AF_VIS_PUBLIC);
    assert_int_equal(policy_visibility_parse("CLIENT", &v), 0);
    assert_int_equal(v, AF_VIS_CLIENT);
    assert_int_equal(policy_visibility_parse("team", &v), 0);
    assert_int_equal(v, AF_VIS_TEAM);
    assert_int_equal(policy_visibility_parse("private", &v), -EINVAL);
    assert_int_equal(policy_visibility_parse(NULL, &v), -EINVAL);

    assert_string_equal(policy_view_name(AF_VIEW_ORIGINAL), "original");
    assert_string_equal(policy_view_name(AF_VIEW_PROOF), "proof");
    assert_string_equal(policy_view_name(AF_VIEW_WEB), "web");
    assert_string_equal(policy_view_name(AF_VIEW_HIGHRES), "highres");
    assert_string_equal(policy_view_name((enum af_view)0), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capability_table),
        cmocka_unit_test(test_grant_live),
        cmocka_unit_test(test_expiry_boundary),
        cmocka_unit_test(test_revoked),
        cmocka_unit_test(test_other_album),
        cmocka_unit_test(test_link_other_album),
        cmocka_unit_test(test_new_album_owner_only),
        cmocka_unit_test(test_set_turned_client_only),
        cmocka_unit_test(test_private_photo),
        cmocka_unit_test(test_trash),
        cmocka_unit_test(test_union_of_grants),
        cmocka_unit_test(test_union_capped_per_grant),
        cmocka_unit_test(test_link_capped_to_guest),
        cmocka_unit_test(test_client_door_capped_to_client),
        cmocka_unit_test(test_roles_a_grant_cannot_hold),
        cmocka_unit_test(test_nobody),
        cmocka_unit_test(test_documents),
        cmocka_unit_test(test_albums_and_sets_have_no_views),
        cmocka_unit_test(test_render_owner_editor),
        cmocka_unit_test(test_render_fields),
        cmocka_unit_test(test_unclamped_settings_bounded),
        cmocka_unit_test(test_render_most_generous),
        cmocka_unit_test(test_download_sets),
        cmocka_unit_test(test_favourites),
        cmocka_unit_test(test_album_role_via),
        cmocka_unit_test(test_settings_default),
        cmocka_unit_test(test_settings_clamp),
        cmocka_unit_test(test_vocabulary),
        cmocka_unit_test(test_may_set_private),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
