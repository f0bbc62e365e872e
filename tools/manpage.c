/* manpage.c — albumctl(1) and albumctl's bash completion, written from the
 * same command tables `--help` prints (`albumctl help --man`,
 * `albumctl help --completion bash`). The build runs both and installs
 * their output, so the manual and the completion cannot drift from the
 * commands. Single-threaded; writes only to the FILE given.
 */
#include <ctype.h>
#include <string.h>

#include "tools/cli.h"

/* Text as roff, inline: a backslash escaped, a hyphen as \- (so options
 * copy and search as typed), a line that would start with a control
 * character guarded with \&. */
static void roff_inline(FILE *f, const char *s)
{
    bool line_start = true;

    for (; *s; s++) {
        if (line_start && (*s == '.' || *s == '\''))
            fputs("\\&", f);
        if (*s == '\\')
            fputs("\\e", f);
        else if (*s == '-')
            fputs("\\-", f);
        else
            fputc(*s, f);
        line_start = *s == '\n';
    }
}

/* The same, ending its last line. */
static void roff_text(FILE *f, const char *s)
{
    roff_inline(f, s);
    if (!*s || s[strlen(s) - 1] != '\n')
        fputc('\n', f);
}

/* Help text keeps its columns: preformatted. */
static void roff_block(FILE *f, const char *s)
{
    fputs(".PP\n.nf\n", f);
    roff_text(f, s);
    fputs(".fi\n", f);
}

/* One command: name is its label ("grant [add]"), full its name. */
static void man_command(FILE *f, const char *name, const char *full, const struct cli_cmd *c)
{
    const char *examples = cli_examples(full);

    fputs(".SS ", f);
    roff_text(f, name);
    fputs(".nf\n\\fBalbumctl ", f);
    roff_inline(f, name);
    fputs("\\fR ", f);
    roff_text(f, c->usage);
    fputs(".fi\n.PP\n", f);
    roff_text(f, c->summary);
    if (c->help)
        roff_block(f, c->help);
    if (examples) {
        fputs(".PP\nExamples:\n", f);
        roff_block(f, examples);
    }
}

void cli_write_man(FILE *f, const struct cli_cmd *const *cmds, size_t n, const char *global_options)
{
    char name[64], full[64];

    fprintf(f, ".\\\" albumctl.1 — written by `albumctl help --man` from its command tables.\n"
               ".TH ALBUMCTL 1 \"\" \"albumfs %s\" \"User Commands\"\n",
            ALBUMFS_VERSION);
    fputs(".SH NAME\nalbumctl \\- manage an albumfs photo library: people, albums, imports, "
          "grants, links and backups\n"
          ".SH SYNOPSIS\n.B albumctl\n"
          "[\\fB\\-\\-library\\fR \\fIDIR\\fR] [\\fB\\-\\-passphrase\\-file\\fR \\fIFILE\\fR] "
          "[\\fB\\-\\-json\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]\n"
          ".br\n.B albumctl help\n[\\fICOMMAND\\fR [\\fISUBCOMMAND\\fR]]\n"
          ".SH DESCRIPTION\n"
          ".B albumctl\n"
          "is the photographer's tool for an albumfs library: it creates the library,\n"
          "adds people and teams, creates albums and sets, imports photos, issues and\n"
          "revokes grants and share links, shows what a person would see, checks the\n"
          "library and keeps its backups. The daemon that shows the library as folders\n"
          "is\n.BR albumfs (1).\n"
          "Every command has\n.BR \\-\\-help ;\n"
          "commands that print data accept\n.BR \\-\\-json .\n"
          ".SH GLOBAL OPTIONS\n",
          f);
    roff_block(f, global_options);
    fputs(".SH COMMANDS\n", f);
    for (size_t i = 0; i < n; i++) {
        const struct cli_cmd *c = cmds[i];

        if (c->run) {
            man_command(f, c->name, c->name, c);
            continue;
        }
        for (const struct cli_cmd *s = c->subs; s->name; s++) {
            snprintf(name, sizeof name, "%s %s", c->name, cli_sub_label(c, s));
            snprintf(full, sizeof full, "%s %s", c->name, s->name);
            man_command(f, name, full, s);
        }
        if (c->help)
            roff_block(f, c->help);
    }
    fputs(".SH EXIT STATUS\n"
          ".TP\n.B 0\nsuccess\n"
          ".TP\n.B 1\nthe operation failed (not found, already there, refused, some files "
          "could not be imported, a check found damage)\n"
          ".TP\n.B 2\na bad option or argument; nothing was changed\n"
          ".SH ENVIRONMENT\n"
          ".TP\n.B ALBUMFS_LIBRARY\nthe library folder when \\fB\\-\\-library\\fR is not given\n"
          ".TP\n.B ALBUMFS_PASSPHRASE_FILE\na file holding the passphrase of a protected "
          "library key\n"
          ".TP\n.B XDG_DATA_HOME\nthe library is \\fI$XDG_DATA_HOME/albumfs\\fR when neither "
          "of the above is set (else \\fI~/.local/share/albumfs\\fR)\n"
          ".SH FILES\n"
          ".TP\n.I LIBRARY/catalog.db\nthe catalog (SQLite): people, albums, grants, "
          "activity\n"
          ".TP\n.I LIBRARY/vault/\nthe photos, encrypted and named by their content\n"
          ".TP\n.I LIBRARY/library.key\nthe library's key (keep a copy apart from the "
          "library and its backups)\n"
          ".TP\n.I LIBRARY/cache/\nrendered views, made again when missing\n"
          ".SH EXAMPLES\n"
          ".nf\n"
          "albumctl init\n"
          "albumctl album create \"Smith Wedding\"\n"
          "albumctl set create \"Smith Wedding\" Ceremony \\-\\-visibility public\n"
          "albumctl import \"Smith Wedding/Ceremony\" ~/shoots/smith/*.jpg\n"
          "albumctl user add anna@example.com \\-\\-name \"Anna Smith\"\n"
          "albumctl grant \"Smith Wedding\" \\-\\-user anna@example.com \\-\\-role client "
          "\\-\\-expires 30d\n"
          "albumctl ls \\-\\-as anna@example.com \"Smith Wedding\"\n"
          "albumctl backup /media/backup/albumfs\n"
          ".fi\n"
          ".SH SEE ALSO\n"
          ".BR albumfs (1),\n"
          ".BR mount.fuse3 (8).\n"
          "The full reference is \\fIdocs/cli.md\\fR, installed under "
          "\\fI/usr/share/doc/albumfs\\fR (or the prefix's \\fIshare/doc/albumfs\\fR).\n",
          f);
}

/* ---- bash completion ---- */

/* Print each distinct --option named in TEXT, space-separated. */
static void options_of(FILE *f, const char *text, GHashTable *seen)
{
    for (const char *p = text ? strstr(text, "--") : NULL; p; p = strstr(p, "--")) {
        const char *e = p + 2;

        if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '-')) {
            p = e;
            continue;
        }
        while (isalnum((unsigned char)*e) || *e == '-')
            e++;
        if (e - p > 2 && isalpha((unsigned char)p[2])) {
            char *opt = g_strndup(p, (gsize)(e - p));

            if (g_hash_table_add(seen, opt))
                fprintf(f, " %s", opt);
        }
        p = e;
    }
}

/* The options of command c (full name `full`): from its usage, help and
 * examples. */
static void completion_case(FILE *f, const char *pattern, const char *full,
                            const struct cli_cmd *c)
{
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    fprintf(f, "    %s) words=\"", pattern);
    options_of(f, c->usage, seen);
    options_of(f, c->help, seen);
    options_of(f, cli_examples(full), seen);
    fputs("\" ;;\n", f);
    g_hash_table_destroy(seen);
}

void cli_write_bash_completion(FILE *f, const struct cli_cmd *const *cmds, size_t n)
{
    fputs("# albumctl's bash completion, written by `albumctl help --completion bash`\n"
          "# from its command tables: commands, subcommands and each one's options;\n"
          "# anything else completes as a file name.\n"
          "_albumctl() {\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
          "    local cmd='' sub='' words='' names='' i\n"
          "    case $prev in\n"
          "    --library | --passphrase-file) return 0 ;;\n"
          "    esac\n"
          "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
          "        case ${COMP_WORDS[i]} in\n"
          "        --library | --passphrase-file) ((i++)) ;;\n"
          "        -*) ;;\n"
          "        *) if [ -z \"$cmd\" ]; then cmd=${COMP_WORDS[i]}\n"
          "           elif [ -z \"$sub\" ]; then sub=${COMP_WORDS[i]}; fi ;;\n"
          "        esac\n"
          "    done\n"
          "    case $cmd/$sub in\n"
          "    /) names=1 words=\"help",
          f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, " %s", cmds[i]->name);
    fputs(" --library --passphrase-file --json --help --version\" ;;\n", f);
    for (size_t i = 0; i < n; i++) {
        const struct cli_cmd *c = cmds[i];
        char pattern[96], full[64];

        if (c->run) {
            snprintf(pattern, sizeof pattern, "%s/*", c->name);
            completion_case(f, pattern, c->name, c);
            continue;
        }
        fprintf(f, "    %s/) names=1 words=\"", c->name);
        for (const struct cli_cmd *s = c->subs; s->name; s++)
            fprintf(f, " %s", s->name);
        fputs(" --help\" ;;\n", f);
        for (const struct cli_cmd *s = c->subs; s->name; s++) {
            snprintf(pattern, sizeof pattern, "%s/%s", c->name, s->name);
            snprintf(full, sizeof full, "%s %s", c->name, s->name);
            completion_case(f, pattern, full, s);
        }
        if (c->implicit) { /* `albumctl grant ALBUM --user ...`: the implicit sub's options */
            for (const struct cli_cmd *s = c->subs; s->name; s++)
                if (strcmp(s->name, c->implicit) == 0) {
                    snprintf(pattern, sizeof pattern, "%s/*", c->name);
                    snprintf(full, sizeof full, "%s %s", c->name, s->name);
                    completion_case(f, pattern, full, s);
                }
        }
    }
    fputs("    help/*) names=1 words=\"", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, " %s", cmds[i]->name);
    fputs("\" ;;\n"
          "    esac\n"
          "    if [[ $cur == -* ]]; then\n"
          "        mapfile -t COMPREPLY < <(compgen -W \"$words --json --help\" -X '!-*' -- \"$cur\")\n"
          "    elif [ -n \"$names\" ]; then\n"
          "        mapfile -t COMPREPLY < <(compgen -W \"$words\" -X '-*' -- \"$cur\")\n"
          "    fi\n"
          "}\n"
          "complete -o default -F _albumctl albumctl\n",
          f);
}
