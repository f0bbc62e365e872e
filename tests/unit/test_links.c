/* test_links.c — unit tests of store/links.c: link passwords and their turns.
 *
 * Each test builds a fresh library in a scratch directory with one album and
 * a password link (guest grant); the two-door tests give it a client door. The back-off is checked across processes:
 * attempts run in forked children, each with its own library connection,
 * and report the turn they took through a pipe. Assertions are on the turns
 * recorded (order and spacing) and on lower bounds of elapsed time only: a
 * slow machine makes every wait longer, never shorter.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/links.h"
#include "store/subject.h"

#define PASSWORD "correct horse battery"
#define WRONG "not the password"
#define BASE_SPACING_MS 250 /* links.c: the spacing after a turn with no recent failure */

struct fixture {
    char dir[64];
    char lib_dir[96];
    struct af_library *lib;
    int64_t album_id;
    int64_t link_id;
    int64_t grant_id;
    char token[LINK_TOKEN_CHARS + 1];
};

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A grant of `role` with its defaults for link row link_id: its id. */
static int64_t add_grant(struct fixture *f, int64_t link_id, enum af_role role, af_time expires)
{
    struct cat_grant g;

    memset(&g, 0, sizeof g);
    g.grant.album_id = f->album_id;
    g.grant.role = role;
    g.grant.expires = expires;
    policy_settings_default(role, &g.grant.settings);
    g.principal = CAT_PRINCIPAL_LINK;
    g.principal_id = link_id;
    assert_int_equal(catalog_grant_add(f->lib->catalog, &g), 0);
    return g.grant.id;
}

/* A link on the fixture's album with a guest grant; its token into token. */
static void add_link(struct fixture *f, const char *password, af_time expires, char *token,
                     int64_t *link_id, int64_t *grant_id)
{
    unsigned char hash[CAT_TOKEN_HASH_BYTES];
    char pwhash[CAT_PWHASH_MAX];

    links_new_token(token, LINK_TOKEN_CHARS + 1);
    library_token_hash(f->lib, token, hash);
    if (password)
        assert_int_equal(links_hash_password(password, pwhash), 0);
    assert_int_equal(catalog_link_add(f->lib->catalog, f->album_id, hash,
                                      password ? pwhash : NULL, link_id),
                     0);
    *grant_id = add_grant(f, *link_id, AF_ROLE_GUEST, expires);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);

    snprintf(f->dir, sizeof f->dir, "/tmp/albumfs-links-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->lib_dir, sizeof f->lib_dir, "%s/lib", f->dir);
    assert_int_equal(library_init(f->lib_dir, NULL, &f->lib), 0);
    assert_int_equal(catalog_album_create(f->lib->catalog, "Wedding", &f->album_id), 0);
    add_link(f, PASSWORD, 0, f->token, &f->link_id, &f->grant_id);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];

    library_close(f->lib);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static int64_t wrong_count(struct fixture *f, int64_t link_id)
{
    char person[40];
    int64_t n = -1;

    snprintf(person, sizeof person, "link:%lld", (long long)link_id);
    assert_int_equal(catalog_activity_count(f->lib->catalog, "link-password-wrong", person, 0, &n),
                     0);
    return n;
}

static int64_t not_before(struct fixture *f, int64_t link_id)
{
    int64_t ms = -1;

    assert_int_equal(catalog_link_turn_get(f->lib->catalog, link_id, &ms), 0);
    return ms;
}

/* What a child attempt reports. */
struct report {
    int rc;
    struct links_turn turn;
};

/* Start an attempt in a child process with its own library connection;
 * its report arrives on *fd. */
static pid_t attempt_in_child(struct fixture *f, const char *password, int *fd)
{
    int p[2];
    pid_t pid;

    assert_int_equal(pipe(p), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct af_library *lib;
        struct cat_link link;
        struct report r = {0, {0, 0}};
        char why[LIBRARY_WHY_MAX];

        close(p[0]);
        if (library_open(f->lib_dir, NULL, &lib, why, sizeof why) < 0)
            _exit(2);
        r.rc = links_resolve(lib, f->token, password, &link, &r.turn);
        library_close(lib);
        _exit(write(p[1], &r, sizeof r) == (ssize_t)sizeof r ? 0 : 3);
    }
    close(p[1]);
    *fd = p[0];
    return pid;
}

static void collect(pid_t pid, int fd, struct report *r)
{
    int status;

    assert_int_equal(read(fd, r, sizeof *r), (ssize_t)sizeof *r);
    close(fd);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static int by_slot(const void *a, const void *b)
{
    const struct report *x = a, *y = b;

    return (x->turn.slot_ms > y->turn.slot_ms) - (x->turn.slot_ms < y->turn.slot_ms);
}

/* (a) Parallel wrong attempts on one link queue behind each other: each
 * turn starts no sooner than the previous turn plus its spacing, so the
 * whole takes at least the sum of the spacings, and every one is logged. */
static void test_parallel_attempts_serialise(void **state)
{
    struct fixture *f = *state;
    enum { N = 4 };
    struct report r[N];
    pid_t pid[N];
    int fd[N];
    int64_t t0 = now_ms(), sum = 0;

    for (int i = 0; i < N; i++)
        pid[i] = attempt_in_child(f, WRONG, &fd[i]);
    for (int i = 0; i < N; i++)
        collect(pid[i], fd[i], &r[i]);
    qsort(r, N, sizeof r[0], by_slot);
    for (int i = 0; i < N; i++) {
        assert_int_equal(r[i].rc, -EACCES);
        assert_true(r[i].turn.slot_ms >= t0);
        assert_true(r[i].turn.spacing_ms >= BASE_SPACING_MS);
        if (i + 1 < N) {
            assert_true(r[i + 1].turn.slot_ms >= r[i].turn.slot_ms + r[i].turn.spacing_ms);
            sum += r[i].turn.spacing_ms;
        }
    }
    assert_true(now_ms() - t0 >= sum);
    assert_int_equal(not_before(f, f->link_id), r[N - 1].turn.slot_ms + r[N - 1].turn.spacing_ms);
    assert_int_equal(wrong_count(f, f->link_id), N);
}

/* (b) An attempt killed while it waits for its turn has used it: the next
 * attempt's turn comes after the killed one's, and the killed one learnt
 * nothing and logged nothing. */
static void test_killed_attempt_keeps_its_turn(void **state)
{
    struct fixture *f = *state;
    struct cat_link link;
    struct links_turn next;
    int64_t queued, taken;
    int status, fd;
    pid_t pid;

    /* Someone's turn is 5 s away: the child will have to wait for it. */
    queued = now_ms() + 5000;
    assert_int_equal(catalog_link_turn_set(f->lib->catalog, f->link_id, queued), 0);
    pid = attempt_in_child(f, WRONG, &fd);
    while ((taken = not_before(f, f->link_id)) == queued) {
        struct timespec ts = {0, 10 * 1000000L};

        assert_int_equal(waitpid(pid, &status, WNOHANG), 0); /* still waiting */
        nanosleep(&ts, NULL);
    }
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    close(fd);
    assert_true(WIFSIGNALED(status)); /* killed before its verdict */
    assert_true(taken >= queued + BASE_SPACING_MS);
    assert_int_equal(wrong_count(f, f->link_id), 0);

    /* The next attempt queues behind the killed one's turn. */
    assert_int_equal(links_resolve(f->lib, f->token, WRONG, &link, &next), -EACCES);
    assert_int_equal(next.slot_ms, taken);
    assert_true(now_ms() >= taken);
    assert_int_equal(wrong_count(f, f->link_id), 1);
}

/* (c) A right password after failures waits for its turn too. */
static void test_right_password_waits(void **state)
{
    struct fixture *f = *state;
    struct cat_link link;
    struct links_turn wrong, right;
    char person[40];
    int64_t start;

    /* Four failures in the last minutes: the next turn is spaced 4 s. */
    snprintf(person, sizeof person, "link:%lld", (long long)f->link_id);
    for (int i = 0; i < 4; i++)
        assert_int_equal(catalog_activity_add(f->lib->catalog, "link-password-wrong", person, 0,
                                              f->album_id, 0, person),
                         0);
    assert_int_equal(links_resolve(f->lib, f->token, WRONG, &link, &wrong), -EACCES);
    assert_int_equal(wrong.spacing_ms, 4000);
    start = now_ms();
    assert_int_equal(links_resolve(f->lib, f->token, PASSWORD, &link, &right), 0);
    assert_int_equal(link.id, f->link_id);
    assert_int_equal(right.slot_ms, wrong.slot_ms + wrong.spacing_ms);
    assert_true(right.slot_ms > start); /* it had to wait */
    assert_true(now_ms() >= right.slot_ms);
    assert_int_equal(not_before(f, f->link_id), right.slot_ms + right.spacing_ms);
    assert_int_equal(wrong_count(f, f->link_id), 5);
}

/* (d) A revoked or expired link is refused before its password is looked
 * at: no turn is taken and nothing is logged as a wrong password. */
static void test_dead_link_refused_first(void **state)
{
    struct fixture *f = *state;
    struct cat_link link;
    struct links_turn turn;
    char expired_token[LINK_TOKEN_CHARS + 1];
    int64_t expired_link, expired_grant;
    struct af_library *lib = f->lib;

    assert_int_equal(catalog_grant_revoke(lib->catalog, f->grant_id, (af_time)time(NULL)), 0);
    assert_int_equal(links_resolve(lib, f->token, WRONG, &link, &turn), -EKEYEXPIRED);
    assert_int_equal(turn.slot_ms, 0);
    assert_int_equal(links_resolve(lib, f->token, PASSWORD, &link, NULL), -EKEYEXPIRED);
    assert_int_equal(links_resolve(lib, f->token, NULL, &link, NULL), -EKEYEXPIRED);
    assert_int_equal(wrong_count(f, f->link_id), 0);
    assert_int_equal(not_before(f, f->link_id), 0);

    add_link(f, PASSWORD, (af_time)time(NULL) - 60, expired_token, &expired_link, &expired_grant);
    assert_int_equal(links_resolve(lib, expired_token, WRONG, &link, NULL), -EKEYEXPIRED);
    assert_int_equal(wrong_count(f, expired_link), 0);
    assert_int_equal(not_before(f, expired_link), 0);

    /* An unknown token is no link at all. */
    expired_token[0] = expired_token[0] == 'a' ? 'b' : 'a';
    assert_int_equal(links_resolve(lib, expired_token, WRONG, &link, NULL), -ENOENT);
}

/* A missing password is asked for, not guessed: refused with no turn. A
 * queue longer than LINK_QUEUE_MAX_MS is not joined (nothing recorded, the
 * queue does not grow); a turn further ahead than any could be set means
 * the clock went back, and is not waited for. */
static void test_no_password_and_queue_limit(void **state)
{
    struct fixture *f = *state;
    struct cat_link link;
    struct links_turn turn;
    int64_t full, start;

    assert_int_equal(links_resolve(f->lib, f->token, NULL, &link, &turn), -EACCES);
    assert_int_equal(turn.slot_ms, 0);
    assert_int_equal(not_before(f, f->link_id), 0);

    full = now_ms() + LINK_QUEUE_MAX_MS + 2000;
    assert_int_equal(catalog_link_turn_set(f->lib->catalog, f->link_id, full), 0);
    assert_int_equal(links_resolve(f->lib, f->token, PASSWORD, &link, NULL), -EAGAIN);
    assert_int_equal(not_before(f, f->link_id), full);
    assert_int_equal(wrong_count(f, f->link_id), 0);

    assert_int_equal(catalog_link_turn_set(f->lib->catalog, f->link_id, now_ms() + 3600 * 1000), 0);
    start = now_ms();
    assert_int_equal(links_resolve(f->lib, f->token, PASSWORD, &link, &turn), 0);
    assert_true(turn.slot_ms >= start);
    assert_true(turn.slot_ms < start + LINK_QUEUE_MAX_MS);
}

/* A link without a password takes no turn. */
static void test_open_link_takes_no_turn(void **state)
{
    struct fixture *f = *state;
    struct cat_link link;
    struct links_turn turn;
    char token[LINK_TOKEN_CHARS + 1];
    int64_t id, grant;

    add_link(f, NULL, 0, token, &id, &grant);
    assert_int_equal(links_resolve(f->lib, token, WRONG, &link, &turn), 0);
    assert_int_equal(link.id, id);
    assert_int_equal(turn.slot_ms, 0);
    assert_int_equal(not_before(f, id), 0);
}

#define CLIENT_PASSWORD "the client's own password"

/* Give the fixture's link a client door (a link row with a client grant,
 * as albumctl's link_door.c does): its id. */
static int64_t add_door(struct fixture *f, int64_t *grant_id)
{
    unsigned char never[CAT_TOKEN_HASH_BYTES];
    char pwhash[CAT_PWHASH_MAX];
    int64_t door;

    memset(never, 0x5a, sizeof never);
    assert_int_equal(links_hash_password(CLIENT_PASSWORD, pwhash), 0);
    assert_int_equal(catalog_link_add(f->lib->catalog, f->album_id, never, pwhash, &door), 0);
    assert_int_equal(catalog_link_door_add(f->lib->catalog, f->link_id, door), 0);
    *grant_id = add_grant(f, door, AF_ROLE_CLIENT, 0);
    return door;
}

/* Who resolve let in: the link's id, or a negative errno. */
static int64_t let_in(struct fixture *f, const char *password, enum links_door want)
{
    struct cat_link link;
    int rc = links_resolve_door(f->lib, f->lib->catalog, f->token, password, want, &link, NULL);

    return rc < 0 ? rc : link.id;
}

/* (f) Two doors: the password picks the door on a mount; a named door takes
 * only its own password, the other door's is a wrong one. Every attempt
 * takes a turn of the link's one queue; wrong ones are recorded on the
 * link, never on the door, saying which door was tried. The door's row is
 * never found by a token, and its subject is a client door's. */
static void test_two_doors(void **state)
{
    struct fixture *f = *state;
    struct af_subject_buf who;
    struct cat_link door_row;
    unsigned char never[CAT_TOKEN_HASH_BYTES];
    int64_t door, door_grant, turns = 0;
    char detail[64];
    int64_t n = 0;

    door = add_door(f, &door_grant);
    assert_int_equal(let_in(f, PASSWORD, LINKS_DOOR_EITHER), f->link_id);
    assert_int_equal(let_in(f, CLIENT_PASSWORD, LINKS_DOOR_EITHER), door);
    assert_int_equal(let_in(f, PASSWORD, LINKS_DOOR_GUEST), f->link_id);
    assert_int_equal(let_in(f, CLIENT_PASSWORD, LINKS_DOOR_CLIENT), door);
    assert_int_equal(wrong_count(f, f->link_id), 0);
    turns = not_before(f, f->link_id);
    assert_true(turns > 0);
    assert_int_equal(not_before(f, door), 0); /* the door has no queue of its own */

    assert_int_equal(let_in(f, CLIENT_PASSWORD, LINKS_DOOR_GUEST), -EACCES);
    assert_int_equal(let_in(f, PASSWORD, LINKS_DOOR_CLIENT), -EACCES);
    assert_int_equal(let_in(f, WRONG, LINKS_DOOR_EITHER), -EACCES);
    assert_int_equal(wrong_count(f, f->link_id), 3);
    assert_int_equal(wrong_count(f, door), 0);
    /* The back-off counts them by actor (the link), whatever the detail. */
    snprintf(detail, sizeof detail, "link:%lld, tried on the guest door", (long long)f->link_id);
    assert_int_equal(catalog_activity_count(f->lib->catalog, "link-password-wrong", detail, 0, &n),
                     0);
    assert_int_equal(n, 0);
    assert_true(not_before(f, f->link_id) > turns);

    /* The door's row: not a token's, a client door's subject. */
    memset(never, 0x5a, sizeof never);
    assert_int_equal(catalog_link_by_token_hash(f->lib->catalog, never, &door_row), -ENOENT);
    assert_int_equal(catalog_link_by_id(f->lib->catalog, door, &door_row), 0);
    assert_int_equal(door_row.door_of, f->link_id);
    assert_int_equal(subject_for_link(f->lib->catalog, &door_row, &who), 0);
    assert_true(who.subject.client_door);
    assert_int_equal(policy_album_role(&who.subject, f->album_id, (af_time)time(NULL), NULL),
                     AF_ROLE_CLIENT);
    subject_release(&who);

    /* A closed door (no password) opens for nobody; the guest's still does. */
    assert_int_equal(catalog_link_set_password(f->lib->catalog, door, NULL), 0);
    assert_int_equal(let_in(f, CLIENT_PASSWORD, LINKS_DOOR_EITHER), -EACCES);
    assert_int_equal(let_in(f, PASSWORD, LINKS_DOOR_EITHER), f->link_id);
}

/* (g) A door never outlives its link: the link's grant revoked, both
 * passwords meet a dead link; the door's grants count for nothing and
 * never last past the link's expiry. */
static void test_door_follows_its_link(void **state)
{
    struct fixture *f = *state;
    struct af_subject_buf who;
    struct cat_link door_row;
    int64_t door, door_grant;
    af_time soon = (af_time)time(NULL) + 3600;

    door = add_door(f, &door_grant);
    assert_int_equal(catalog_link_by_id(f->lib->catalog, door, &door_row), 0);
    /* The link ends within the hour: so does its door. */
    assert_int_equal(catalog_grant_update(f->lib->catalog, f->grant_id, soon,
                                          &(struct af_grant_settings){.proof_long_edge = 2048}),
                     0);
    assert_int_equal(subject_for_link(f->lib->catalog, &door_row, &who), 0);
    assert_int_equal(who.subject.n_grants, 1);
    assert_int_equal(who.grants[0].expires, soon);
    subject_release(&who);
    /* Revoked: nothing. */
    assert_int_equal(catalog_grant_revoke(f->lib->catalog, f->grant_id, (af_time)time(NULL)), 0);
    assert_int_equal(subject_for_link(f->lib->catalog, &door_row, &who), 0);
    assert_int_equal(who.subject.n_grants, 0);
    subject_release(&who);
    assert_int_equal(let_in(f, CLIENT_PASSWORD, LINKS_DOOR_EITHER), -EKEYEXPIRED);
    assert_int_equal(let_in(f, PASSWORD, LINKS_DOOR_EITHER), -EKEYEXPIRED);
    assert_int_equal(wrong_count(f, f->link_id), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parallel_attempts_serialise, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_attempt_keeps_its_turn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_right_password_waits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dead_link_refused_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_password_and_queue_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_link_takes_no_turn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_doors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_door_follows_its_link, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
