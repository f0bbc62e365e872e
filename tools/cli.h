/* cli.h — what albumctl's commands share (private to tools/).
 *
 * albumctl is a dispatch table (albumctl.c) of commands, one cmd_*.c each.
 * A command is a struct cli_cmd: its name and help text as data, and either
 * a run function or a table of subcommands. run() receives the struct cli
 * holding the global options and returns the process exit status
 * (CLI_OK, CLI_FAIL, CLI_USAGE). Below that boundary functions return 0 or
 * a negative errno; the cli_* helpers here that print a message return an
 * exit status (0 meaning "carry on").
 *
 * Messages go to stderr as one line,
 *   albumctl: <command>: <what failed>: <why>; <what to do>
 * Data goes to stdout, as text or (with --json) as one JSON document;
 * albumctl.c checks stdout for write errors before exiting.
 * Single-threaded; the struct cli owns the open library.
 */
#ifndef ALBUMCTL_CLI_H
#define ALBUMCTL_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <glib.h>

#include "changes/actor.h"
#include "policy/names.h"
#include "policy/policy.h"
#include "media/prepare.h"
#include "store/catalog.h"
#include "store/library.h"
#include "tools/json.h"

enum cli_status {
    CLI_OK = 0,    /* success */
    CLI_FAIL = 1,  /* the operation failed (not found, exists, some files failed, ...) */
    CLI_USAGE = 2, /* bad option or argument */
};

struct cli;

struct cli_cmd {
    const char *name;
    const char *summary; /* one line, for lists of commands */
    const char *usage;   /* synopsis after "albumctl <name> " */
    const char *help;    /* description, options, notes; NULL if none */
    int (*run)(struct cli *cli, int argc, char **argv); /* NULL for a group */
    const struct cli_cmd *subs; /* group: subcommands, ended by a zeroed entry */
    const char *implicit; /* group: the sub run when the next word names none */
};

struct cli {
    const char *library_dir;     /* --library, else $ALBUMFS_LIBRARY, else NULL */
    const char *passphrase_file; /* --passphrase-file, else $ALBUMFS_PASSPHRASE_FILE */
    bool json;                   /* --json */
    const struct cli_cmd *cmd;   /* the command running */
    char name[64];               /* its full name for messages: "set create" */
    af_time now;                 /* time(NULL) at start: one "now" per run */
    struct af_library *lib;      /* set by cli_open_library, closed by cli_release */
    bool media_ready;            /* media_init done; media_shutdown in cli_release */
    bool progress;               /* stderr is a terminal: draw progress bars */
    struct json out;             /* JSON writer on stdout */
    struct af_subject_buf owner_subject; /* the owner, as cli->owner acts */
    struct change_actor owner;   /* who albumctl's changes are made by (changes/) */
};

/* Commands, defined in their cmd_*.c. */
extern const struct cli_cmd cmd_init;
extern const struct cli_cmd cmd_user;
extern const struct cli_cmd cmd_team;
extern const struct cli_cmd cmd_album;
extern const struct cli_cmd cmd_set;
extern const struct cli_cmd cmd_photo;
extern const struct cli_cmd cmd_import;
extern const struct cli_cmd cmd_grant;
extern const struct cli_cmd cmd_link;
extern const struct cli_cmd cmd_revoke;
extern const struct cli_cmd cmd_ls;
extern const struct cli_cmd cmd_prepare;
extern const struct cli_cmd cmd_notify;
extern const struct cli_cmd cmd_activity;
extern const struct cli_cmd cmd_favourites;
extern const struct cli_cmd cmd_contact_sheet;
extern const struct cli_cmd cmd_pool;
extern const struct cli_cmd cmd_private;
extern const struct cli_cmd cmd_verify;
extern const struct cli_cmd cmd_watermark;
extern const struct cli_cmd cmd_cache;
extern const struct cli_cmd cmd_backup;
extern const struct cli_cmd cmd_restore;
extern const struct cli_cmd cmd_trash;
extern const struct cli_cmd cmd_status;

void cli_init(struct cli *cli);
void cli_release(struct cli *cli);

/* ---- options ---- */

/* Option codes shared by every command; a command numbers its own long
 * options from CLI_OPT_FIRST and ends its table with CLI_COMMON_OPTIONS.
 * An option whose code is a letter also has that short form ('o' makes
 * -o FILE). --help / -h is answered by the dispatcher before a command runs. */
enum {
    CLI_OPT_JSON = 0x100,
    CLI_OPT_LIBRARY,
    CLI_OPT_PASSPHRASE,
    CLI_OPT_FIRST,
};

#define CLI_COMMON_OPTIONS                                                 \
    {"json", no_argument, NULL, CLI_OPT_JSON},                             \
    {"library", required_argument, NULL, CLI_OPT_LIBRARY},                 \
    {"passphrase-file", required_argument, NULL, CLI_OPT_PASSPHRASE},      \
    {NULL, 0, NULL, 0}

/* The next option of this command (options may follow positionals; "--"
 * ends them). Common options are handled here. Returns an option code > 0,
 * 0 when the options end (positionals start at optind), or -1 after
 * printing a usage error (exit with CLI_USAGE). */
int cli_next_opt(struct cli *cli, int argc, char **argv, const struct option *opts);

/* For commands with only the common options: parse them and check there
 * are exactly nargs positionals (from optind); `expected` describes them
 * for the usage message. CLI_OK or CLI_USAGE. */
int cli_args(struct cli *cli, int argc, char **argv, int nargs, const char *expected);

/* ---- messages (each returns the exit status it implies) ---- */

/* "albumctl: <name>: <message>" on stderr; returns CLI_FAIL. */
int cli_fail(struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same message form for something that went wrong but does not fail
 * the command. */
void cli_warn(struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "albumctl: <name>: <message>; see 'albumctl <name> --help'"; CLI_USAGE. */
int cli_usage(struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "albumctl: <name>: <message>: <strerror(-err)>[; <hint by errno>]";
 * CLI_FAIL. When the library is open and err came from the catalog, the
 * SQLite message is included for -EIO. */
int cli_fail_errno(struct cli *cli, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A library's reason `why` for the error err, with the system's words
 * after it when why only names what could not be done ("cannot create the
 * repository's lock file: No space left on device"); other reasons are
 * whole already. A static buffer: valid until the next call. */
const char *cli_why(const char *why, int err);

/* A printable form of a string a person typed or found on disk: control
 * characters and invalid UTF-8 as \xNN, cut at about 240 bytes. Returns one
 * of four rotating static buffers: valid until the fourth next call. */
const char *cli_printable(const char *s);

void cli_help(const struct cli_cmd *cmd, const char *name, FILE *f);
/* albumctl(1) in roff, and albumctl's bash completion, from the command
 * table CMDS[0..N) (manpage.c). */
void cli_write_man(FILE *f, const struct cli_cmd *const *cmds, size_t n, const char *global_options);
void cli_write_bash_completion(FILE *f, const struct cli_cmd *const *cmds, size_t n);

/* A subcommand's name as shown in usage lines: "[add]" for the implicit one
 * (valid until the next call). */
const char *cli_sub_label(const struct cli_cmd *group, const struct cli_cmd *sub);

/* The examples of the command with full name `name` ("user add"): lines
 * "albumctl ...\n", or NULL if it has none (examples.c). */
const char *cli_examples(const char *name);

/* ---- arguments ---- */

/* Validate a name (kind: "album", "set", "photo", "team"); CLI_USAGE and a
 * message if it may not be used. */
int cli_check_name(struct cli *cli, const char *kind, const char *name);

/* A person's or link's text (--name, --label): 1..255 bytes of UTF-8
 * without control characters; CLI_USAGE and a message naming opt if not. */
int cli_check_text(struct cli *cli, const char *opt, const char *text);

/* Split "A/B[/C]" into exactly `want` parts of at most AF_NAME_MAX bytes;
 * `form` ("ALBUM/SET") is used in the message on failure (CLI_USAGE). */
int cli_split(struct cli *cli, const char *arg, int want, const char *form,
              char parts[][AF_NAME_MAX + 1]);

int cli_parse_onoff(struct cli *cli, const char *opt, const char *val, bool *out);
int cli_parse_u32(struct cli *cli, const char *opt, const char *val, uint32_t min,
                  uint32_t max, uint32_t *out);
/* A whole number >= min; `what` names it in the message ("--limit"). */
int cli_parse_i64(struct cli *cli, const char *what, const char *val, int64_t min,
                  int64_t *out);

/* ---- the library ---- */

/* Open the library named by the options (or the default); nothing to do
 * when it is open already. CLI_FAIL with a message saying what to do when
 * it cannot be opened. */
int cli_open_library(struct cli *cli);

static inline struct af_catalog *cli_catalog(const struct cli *cli)
{
    return cli->lib->catalog;
}

/* Look-ups that print "no album 'X'; see ..." etc. and return CLI_FAIL. */
int cli_find_album(struct cli *cli, const char *name, struct cat_album *out);
int cli_find_set(struct cli *cli, const struct cat_album *album, const char *name,
                 struct cat_set *out);
/* After the options (from optind): exactly one GRANT_ID, whose grant goes
 * to *out (the library opened). CLI_USAGE for a missing or malformed id,
 * CLI_FAIL with a message for an unknown one. */
int cli_find_grant(struct cli *cli, int argc, char **argv, struct cat_grant *out);

/* For commands taking only the common options and one ALBUM: parse them,
 * open the library and find the album. An exit status. */
int cli_one_album(struct cli *cli, int argc, char **argv, struct cat_album *album);

/* For commands taking only the common options and an optional ALBUM: parse
 * them, open the library and find the album (*album zeroed, id 0, when
 * none is named). An exit status. */
int cli_optional_album(struct cli *cli, int argc, char **argv, struct cat_album *album);

/* A present user or team (removed ones answer as unknown: CLI_FAIL). */
int cli_find_user(struct cli *cli, const char *email, struct cat_user *out);
int cli_find_team(struct cli *cli, const char *name, struct cat_team *out);

/* A person as the owner names them: a user's e-mail or a share link's
 * "link:ID". */
struct cli_person {
    struct cat_person who;
    char label[AF_EMAIL_MAX + 1]; /* the e-mail as stored, or "link:ID": the activity actor */
    char name[AF_NAME_MAX + 1];   /* a user's display name, "" if none or a link */
    int64_t link_album;           /* a link's album; 0 for a user */
};

/* Look a person up: CLI_USAGE for a malformed "link:..." and CLI_FAIL for
 * an unknown user or link, with a message. */
int cli_find_person(struct cli *cli, const char *arg, struct cli_person *out);

/* A live photo named by "ALBUM/SET/PHOTO" (its own name): CLI_USAGE for
 * a malformed path, CLI_FAIL with a message for a missing one. Any of
 * album, set may be NULL when the caller does not need them. */
int cli_find_photo(struct cli *cli, const char *path, struct cat_album *album,
                   struct cat_set *set, struct cat_photo *photo);

/* Open the library and find ALBUM and its SET (live): CLI_FAIL with a
 * message when either is missing. */
int cli_find_album_set(struct cli *cli, const char *album_name, const char *set_name,
                       struct cat_album *album, struct cat_set *set);

/* The messages for an album or set that does not exist (for whoever asks:
 * used as-is for hidden ones too, so nothing leaks). CLI_FAIL. */
int cli_no_album(struct cli *cli, const char *name);
int cli_no_set(struct cli *cli, const char *album, const char *set);

/* Write transactions: CLI_FAIL with a message on failure (cli_commit rolls
 * back when the commit fails). */
int cli_begin(struct cli *cli);
int cli_commit(struct cli *cli);

/* Record "grant-expired" for each grant that reached its expiry and was not
 * recorded yet (by a mount's watcher or an earlier command): the commands
 * that show grants or activity call it first. An exit status. */
int cli_record_expiries(struct cli *cli);

/* Mark ALBUM/SET/PHOTO private (on) or unhide it, record it and print the
 * result: 'photo private' and 'private unhide'. An exit status. */
int cli_photo_private(struct cli *cli, const char *path, bool on);

/* Invite a user, or each member of a team (the other is NULL), to an album
 * by e-mail (cmd_notify.c): queue one invitation each saying how to open
 * it from their own machine and what they may do there, then try to
 * deliver at once. A delivery that fails is a warning on
 * stderr (the message stays queued); CLI_FAIL only when an invitation could
 * not even be queued. */
int cli_invite(struct cli *cli, const struct cat_album *album, const struct cat_user *user,
               const struct cat_team *team);

/* Record an owner action in the activity log (inside a transaction). */
int cli_activity(struct cli *cli, const char *kind, int64_t grant_id, int64_t album_id,
                 int64_t photo_id, const char *detail);

/* One library setting to save: key ("watermark.text") and its new value;
 * value NULL leaves it unchanged. */
struct cli_setting {
    const char *key;
    const char *value;
};
/* Save the settings that have a value in one transaction, and record
 * activity `kind` whose detail names them (each key after its dot).
 * `what` names them in a failure message. An exit status. */
int cli_save_settings(struct cli *cli, const struct cli_setting *settings, size_t n,
                      const char *kind, const char *what);

/* The rendition cache's bound in bytes (setting cache.max_bytes, else the
 * default: cmd_cache.c). */
uint64_t cli_cache_bound(struct cli *cli);

/* ---- images ---- */

/* libvips for this process (once): the first call loads the image module
 * (media/media_lazy.c). CLI_OK, or CLI_FAIL with a message. */
int cli_media_init(struct cli *cli);

/* Render ahead of time the views that the people with live grants on the
 * album will browse and download (media/prepare.h), with a progress bar on
 * a terminal. A view that cannot be made is reported on stderr; it does not
 * change the command's exit status, since the daemon renders whatever is
 * missing when it is asked. The counts go to *out (may be NULL). Returns
 * 0 or the negative errno of prepare_album (message printed). */
int cli_prepare_views(struct cli *cli, const struct cat_album *album,
                      struct prepare_result *out);

/* ---- progress ---- */

/* "[#####.....] done/total label" on stderr, redrawn in place, only when
 * stderr is a terminal; cli_progress_clear erases it (before any message). */
void cli_progress(const struct cli *cli, size_t done, size_t total, const char *label);
void cli_progress_clear(const struct cli *cli);

/* A meter for long copies and checks (meter.c): on a terminal only,
 *   [########........] 12/40 files  1.2/3.4 GiB  85.3 MiB/s  0:26 left
 * redrawn in place at most ten times a second, never going back, clipped to
 * the terminal's width; the rate and the time left
 * count from cli_meter_start (by bytes when a total of bytes is known, else
 * by files). cli_meter_done erases it. */
struct cli_meter {
    const struct cli *cli;
    int64_t since_us;  /* monotonic time at start */
    int64_t drawn_us;  /* last redraw, 0 = never */
    double part;       /* the part shown last: the bar never goes back */
};
/* LINE drawn in place of the last one on stderr, clipped to the terminal's
 * width (a wrapped line could not be redrawn in place). */
void cli_draw_line(const char *line);
void cli_meter_start(struct cli_meter *m, const struct cli *cli);
void cli_meter_show(struct cli_meter *m, size_t files_done, size_t files_total,
                    uint64_t bytes_done, uint64_t bytes_total);
void cli_meter_done(struct cli_meter *m);
/* A backup_progress_fn (backup/backup.h) drawing the meter given as arg. */
struct backup_progress;
void cli_meter_backup(void *meter, const struct backup_progress *where);

/* ---- JSON ---- */

/* "key": a time as 'YYYY-MM-DD HH:MM' UTC (timefmt_print), or null for 0. */
void cli_json_time(struct json *j, const char *key, af_time t);

/* ---- text tables ---- */

/* Rows of cells printed with aligned columns (the last not padded). */
struct cli_table {
    size_t ncols;
    GPtrArray *cells; /* g_strdup'd strings, row-major; owned */
};

void cli_table_init(struct cli_table *t, size_t ncols);
/* Append one row of t->ncols strings. */
void cli_table_row(struct cli_table *t, ...);
void cli_table_print(const struct cli_table *t, FILE *f);
void cli_table_release(struct cli_table *t);

#endif
