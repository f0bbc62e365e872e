/* examples.c — the examples of every albumctl command, by full name
 * ("user add", "grant add"): `--help` prints them under "examples:",
 * albumctl(1) under each command (manpage.c), and the bash completion
 * takes their options too. They live in one table rather than in each
 * cmd_*.c so that they read as one tutorial, in one voice, and so that
 * tests/cli/test_help.sh can check that every command has some and that
 * each names a command that exists. Each is one command line, as typed.
 * Read-only data; no state.
 */
#include <string.h>

#include "tools/cli.h"

static const struct {
    const char *name;     /* the command's full name */
    const char *examples; /* lines "albumctl ...\n" */
} table[] = {
    {"init", "albumctl init\n"
             "albumctl init --passphrase-file ~/.config/albumfs-passphrase\n"},
    {"status", "albumctl status\n"
               "albumctl status --json\n"},
    {"user add", "albumctl user add alice@example.com --name \"Alice Smith\"\n"
                 "albumctl user add tom@example.com --uid tom\n"},
    {"user list", "albumctl user list\n"},
    {"user change", "albumctl user change alice@example.com --name \"Alice Jones\"\n"
                    "albumctl user change tom@example.com --uid none\n"},
    {"user remove", "albumctl user remove alice@example.com\n"},
    {"team add", "albumctl team add studio\n"},
    {"team add-member", "albumctl team add-member studio paul@example.com\n"},
    {"team list", "albumctl team list --json\n"},
    {"team remove-member", "albumctl team remove-member studio paul@example.com\n"},
    {"team remove", "albumctl team remove studio\n"},
    {"album create", "albumctl album create \"Smith Wedding 2026\"\n"},
    {"album list", "albumctl album list\n"},
    {"album private-marks", "albumctl album private-marks \"Smith Wedding 2026\" on\n"},
    {"album rename", "albumctl album rename \"Smith Wedding 2026\" \"Smith Wedding\"\n"},
    {"album close", "albumctl album close \"Smith Wedding 2026\"\n"},
    {"album archive", "albumctl album archive \"Smith Wedding 2026\"\n"},
    {"album unarchive", "albumctl album unarchive \"Smith Wedding 2026\"\n"},
    {"set create", "albumctl set create \"Smith Wedding 2026\" Ceremony --visibility public\n"
                   "albumctl set create \"Smith Wedding 2026\" \"Getting Ready\" "
                   "--visibility client\n"},
    {"set visibility", "albumctl set visibility \"Smith Wedding 2026\" Ceremony client\n"},
    {"set list", "albumctl set list \"Smith Wedding 2026\"\n"},
    {"set rename", "albumctl set rename \"Smith Wedding 2026\" Ceremony Church\n"},
    {"set delete", "albumctl set delete \"Smith Wedding 2026\" Outtakes\n"},
    {"import", "albumctl import \"Smith Wedding 2026/Ceremony\" ~/shoots/smith/ceremony/\n"
               "albumctl import \"Smith Wedding 2026/Ceremony\" IMG_0001.jpg IMG_0002.jpg "
               "--no-prepare\n"},
    {"photo private", "albumctl photo private \"Smith Wedding 2026/Ceremony/IMG_0042.jpg\" on\n"},
    {"photo versions", "albumctl photo versions \"Smith Wedding 2026/Ceremony/IMG_0042.jpg\"\n"},
    {"photo restore-version",
     "albumctl photo restore-version \"Smith Wedding 2026/Ceremony/IMG_0042.jpg\" 1\n"},
    {"photo rename", "albumctl photo rename \"Smith Wedding 2026/Ceremony/IMG_0042.jpg\" "
                     "rings.jpg\n"},
    {"photo move", "albumctl photo move \"Smith Wedding 2026/Ceremony/IMG_0042.jpg\" "
                   "\"Smith Wedding 2026/Party\"\n"},
    {"photo delete", "albumctl photo delete \"Smith Wedding 2026/Ceremony/IMG_0042.jpg\"\n"},
    {"grant add", "albumctl grant \"Smith Wedding 2026\" --user alice@example.com --role client "
                  "--expires 60d --highres original --pool couple --limit 10 --invite\n"
                  "albumctl grant add \"Smith Wedding 2026\" --team studio --role editor\n"},
    {"grant change", "albumctl grant change 12 --expires 30d\n"
                     "albumctl grant change 12 --limit 20 --notify on\n"},
    {"grant list", "albumctl grant list \"Smith Wedding 2026\"\n"
                   "albumctl grant list --json\n"},
    {"link create", "albumctl link create \"Smith Wedding 2026\" --label Guests "
                    "--password-file guests.txt --expires 30d\n"
                    "albumctl link create \"Smith Wedding 2026\" --password-file guests.txt "
                    "--client-password-file couple.txt --client-settings highres=original\n"},
    {"link list", "albumctl link list \"Smith Wedding 2026\"\n"},
    {"link change", "albumctl link change link:3 --client-password-file couple-new.txt\n"
                    "albumctl link change link:3 --no-client-password\n"},
    {"revoke", "albumctl revoke 12\n"},
    {"ls", "albumctl ls --as alice@example.com \"Smith Wedding 2026\"\n"
           "albumctl ls --link TOKEN --password-file guests.txt\n"},
    {"prepare", "albumctl prepare \"Smith Wedding 2026\"\n"},
    {"notify settings",
     "albumctl notify settings --smtp-host smtp.example.com --smtp-user studio@example.com "
     "--smtp-password-file ~/.config/albumfs-smtp --owner studio@example.com\n"
     "albumctl notify settings --command \"/usr/sbin/sendmail -t\" --owner studio@example.com\n"},
    {"notify outbox", "albumctl notify outbox --limit 20\n"},
    {"notify send", "albumctl notify send\n"},
    {"notify test", "albumctl notify test\n"},
    {"notify preview", "albumctl notify preview 12\n"},
    {"activity", "albumctl activity \"Smith Wedding 2026\" --person alice@example.com "
                 "--since 7d\n"
                 "albumctl activity --kind grant-revoked --json\n"},
    {"favourites", "albumctl favourites \"Smith Wedding 2026\" --person alice@example.com\n"},
    {"contact-sheet", "albumctl contact-sheet \"Smith Wedding 2026\" --person alice@example.com "
                      "-o alice.jpg --columns 6\n"},
    {"pool list", "albumctl pool list \"Smith Wedding 2026\"\n"},
    {"pool add", "albumctl pool add \"Smith Wedding 2026\" family --limit 30\n"},
    {"pool set-limit", "albumctl pool set-limit \"Smith Wedding 2026\" couple 15\n"},
    {"pool reset", "albumctl pool reset \"Smith Wedding 2026\" couple\n"},
    {"pool charges", "albumctl pool charges \"Smith Wedding 2026\" couple\n"},
    {"pool join", "albumctl pool join \"Smith Wedding 2026\" couple 12 13\n"},
    {"private list", "albumctl private list \"Smith Wedding 2026\"\n"},
    {"private unhide", "albumctl private unhide \"Smith Wedding 2026/Ceremony/IMG_0042.jpg\"\n"},
    {"trash list", "albumctl trash list\n"},
    {"trash restore", "albumctl trash restore \"Smith Wedding 2026/Ceremony/IMG_0042.jpg\"\n"},
    {"trash purge", "albumctl trash purge --older-than 30d\n"},
    {"trash window", "albumctl trash window 60d\n"},
    {"verify", "albumctl verify\n"
               "albumctl verify --audit\n"},
    {"watermark", "albumctl watermark --text \"Studio Light\" --position bottom-right "
                  "--opacity 0.4\n"},
    {"cache show", "albumctl cache --max-size 2G\n"},
    {"cache trim", "albumctl cache trim\n"},
    {"backup run", "albumctl backup /media/backup/albumfs\n"
                   "albumctl backup run --if-due\n"},
    {"backup list", "albumctl backup list /media/backup/albumfs\n"},
    {"backup verify", "albumctl backup verify /media/backup/albumfs --read-data\n"},
    {"backup forget", "albumctl backup forget --keep-daily 7 --keep-weekly 4 --keep-monthly 12\n"},
    {"backup settings", "albumctl backup settings --destination /media/backup/albumfs "
                        "--schedule daily\n"},
    {"restore", "albumctl restore --from /media/backup/albumfs "
                "\"Smith Wedding 2026/Ceremony/IMG_0042.jpg\"\n"
                "albumctl restore --from /media/backup/albumfs --to ~/albumfs-restored\n"},
};

const char *cli_examples(const char *name)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].name, name) == 0)
            return table[i].examples;
    return NULL;
}
