/* fuzz_notify.c — libFuzzer harness for the e-mails store/notify.c
 * composes from what people typed: album names, people's names and
 * addresses, details, the commands of an invitation, a claim code, and the
 * owner's and sender's addresses from the settings.
 *
 * Input: NUL-separated fields: [0] whose first byte picks the message (the
 * five milestones, an invitation, a claim code, the test message), [1] the
 * album, [2] the person or recipient, [3] the detail, commands or code,
 * [4] a name for a user with the address [2] (none when empty), [5]
 * notify.owner, [6] notify.from (defaults when empty), [7] the studio's
 * addresses and signature an invitation gives (notify.smb, notify.webdav,
 * notify.sftp and notify.signature all set to it, as if edited into the
 * catalog by hand). Each input runs in one catalog transaction that is
 * rolled back, so inputs do not meet.
 * Invariants, checked on the queued text:
 *   - nothing is queued unless 0 is returned;
 *   - the header block is exactly From, To, Subject (and its encoded-word
 *     continuation lines), Date, Message-ID, MIME-Version, Content-Type,
 *     Content-Transfer-Encoding, once each, in that order: whatever a name
 *     or address holds (CR, LF, anything), no header is ever injected;
 *   - no CR anywhere, valid UTF-8, no line over 998 bytes;
 *   - an address that address_check accepts, in its canonical form, and a
 *     signature notify_check_signature accepts hold no control character
 *     (no CR, no LF in an address), so nothing they reach can be a header;
 *   - To is the recipient recorded in the outbox and the one asked for;
 *     From is notify.from (an address) or albumfs@<this host>; the decoded
 *     Subject names the album.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "policy/names.h"
#include "store/gallery_address.h"
#include "store/notify.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DEFAULT_OWNER "owner@studio.example"

enum { F_PICK, F_ALBUM, F_PERSON, F_TEXT, F_NAME, F_OWNER, F_FROM, F_PLACE, N_FIELDS };
enum { PICK_INVITE = NOTIFY_WRONG_PASSWORDS + 1, PICK_CLAIM_CODE, PICK_TEST, N_PICKS };

static struct af_catalog *catalog;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const unsigned char audit_key[32] = {1};
    char path[512];

    (void)argc;
    (void)argv;
    fuzz_path(path, sizeof path, "catalog.db");
    if (catalog_open(path, CAT_OPEN_CREATE, &catalog) != 0)
        abort();
    catalog_set_audit_key(catalog, audit_key);
    return 0;
}

/* The newest message in the outbox (id 0 when none); *text g_strdup'd. */
static int64_t newest(char **text, char *recipient, size_t len)
{
    struct cat_message *rows = NULL;
    size_t n = 0;
    int64_t id = 0;

    FUZZ_CHECK(catalog_outbox_list(catalog, 1, &rows, &n) == 0);
    if (n == 1) {
        id = rows[0].id;
        *text = g_strdup(rows[0].message);
        snprintf(recipient, len, "%s", rows[0].recipient);
    }
    catalog_messages_free(rows, n);
    return id;
}

/* The value of a header line "Name: value", or NULL if line is not one. */
static const char *header_value(const char *line, const char *name)
{
    size_t n = strlen(name);

    if (strncmp(line, name, n) != 0 || strncmp(line + n, ": ", 2) != 0)
        return NULL;
    return line + n + 2;
}

/* One encoded-word " =?UTF-8?B?...?=" appended to subject; false if the
 * line is not one. */
static bool decode_word(const char *line, GString *subject)
{
    size_t n = strlen(line);
    guchar *bin;
    gsize len;
    char *b64;

    if (strncmp(line, " =?UTF-8?B?", 11) != 0 || n < 13 || strcmp(line + n - 2, "?=") != 0)
        return false;
    b64 = g_strndup(line + 11, n - 13);
    bin = g_base64_decode(b64, &len);
    FUZZ_CHECK(g_utf8_validate((const char *)bin, (gssize)len, NULL)); /* whole characters */
    g_string_append_len(subject, (const char *)bin, (gssize)len);
    g_free(bin);
    g_free(b64);
    return true;
}

/* notify.from when it is set, else "albumfs@" and this host's name
 * reduced to letters, digits, '-' and '.'. */
static bool is_sender(const char *value, const char *from)
{
    if (from[0])
        return strcmp(value, from) == 0 && names_check_email(value, NULL) == 0;
    return strncmp(value, "albumfs@", 8) == 0 && value[8] &&
           strspn(value + 8, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") ==
               strlen(value + 8);
}

static void check_message(const char *text, const char *from, const char *recipient,
                          const char *to, const char *album)
{
    static const char *const after_subject[] = {"Date", "Message-ID", "MIME-Version",
                                                "Content-Type", "Content-Transfer-Encoding"};
    const char *end = strstr(text, "\n\n"), *value;
    GString *subject = g_string_new(NULL);
    char **lines, **l;
    char *block;

    FUZZ_CHECK(g_utf8_validate(text, -1, NULL));
    FUZZ_CHECK(!strchr(text, '\r'));
    lines = g_strsplit(text, "\n", -1);
    for (l = lines; *l; l++)
        FUZZ_CHECK(strlen(*l) <= 998);
    g_strfreev(lines);

    FUZZ_CHECK(end);
    block = g_strndup(text, (size_t)(end - text));
    lines = g_strsplit(block, "\n", -1);
    l = lines;
    FUZZ_CHECK(*l && (value = header_value(*l, "From")) && is_sender(value, from));
    l++;
    FUZZ_CHECK(*l && (value = header_value(*l, "To")));
    FUZZ_CHECK(strcmp(value, recipient) == 0 && strcmp(value, to) == 0);
    l++;
    FUZZ_CHECK(*l && strncmp(*l, "Subject:", 8) == 0);
    if (!decode_word(*l + 8, subject)) {
        FUZZ_CHECK((*l)[8] == ' ');
        g_string_append(subject, *l + 9);
    }
    for (l++; *l && (*l)[0] == ' '; l++)
        FUZZ_CHECK(decode_word(*l, subject));
    for (size_t i = 0; i < sizeof after_subject / sizeof after_subject[0]; i++, l++)
        FUZZ_CHECK(*l && header_value(*l, after_subject[i]));
    FUZZ_CHECK(*l == NULL); /* nothing else in the header block */
    if (album)
        FUZZ_CHECK(strstr(subject->str, album));
    g_strfreev(lines);
    g_free(block);
    g_string_free(subject, TRUE);
}

/* The studio's addresses and signature: what passes the checks is safe. */
static void check_places(const char *text)
{
    char canon[ADDRESS_MAX + 1];
    const char *why;

    for (int k = 0; k < ADDRESS_KINDS; k++) {
        if (address_check((enum address_kind)k, text, canon, sizeof canon, &why) != 0)
            continue;
        FUZZ_CHECK(g_utf8_validate(canon, -1, NULL));
        for (const unsigned char *p = (const unsigned char *)canon; *p; p++)
            FUZZ_CHECK(*p >= 0x20 && *p != 0x7f);
    }
    if (notify_check_signature(text, &why) == 0) {
        FUZZ_CHECK(g_utf8_validate(text, -1, NULL));
        for (const unsigned char *p = (const unsigned char *)text; *p; p++)
            FUZZ_CHECK((*p >= 0x20 || *p == '\n') && *p != 0x7f);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *f[N_FIELDS], *before_text = NULL, *text = NULL;
    char recipient[AF_EMAIL_MAX + 1] = "", ignored[AF_EMAIL_MAX + 1];
    const char *owner, *to, *album;
    int pick, rc;
    int64_t before;

    fuzz_fields(data, size, f, N_FIELDS);
    pick = (unsigned char)f[F_PICK][0] % N_PICKS;
    owner = f[F_OWNER][0] ? f[F_OWNER] : DEFAULT_OWNER;
    FUZZ_CHECK(catalog_begin(catalog) == 0);
    FUZZ_CHECK(catalog_setting_set(catalog, "notify.owner", owner) == 0);
    FUZZ_CHECK(catalog_setting_set(catalog, "notify.from", f[F_FROM]) == 0);
    for (int k = 0; k < ADDRESS_KINDS; k++)
        FUZZ_CHECK(catalog_setting_set(catalog, address_setting((enum address_kind)k),
                                       f[F_PLACE]) == 0);
    FUZZ_CHECK(catalog_setting_set(catalog, "notify.signature", f[F_PLACE]) == 0);
    check_places(f[F_PLACE]);
    if (f[F_NAME][0])
        (void)catalog_user_add(catalog, f[F_PERSON], f[F_NAME], -1, NULL);
    before = newest(&before_text, ignored, sizeof ignored);

    to = owner;
    album = f[F_ALBUM];
    switch (pick) {
    case PICK_INVITE:
        to = f[F_PERSON];
        rc = notify_invite(catalog, f[F_PERSON], f[F_ALBUM], f[F_TEXT]);
        break;
    case PICK_CLAIM_CODE:
        to = f[F_PERSON];
        rc = notify_claim_code(catalog, f[F_PERSON], f[F_ALBUM], f[F_TEXT], 30);
        break;
    case PICK_TEST:
        album = NULL;
        rc = notify_test(catalog);
        break;
    default:
        rc = notify_milestone(catalog, (enum notify_milestone)pick, f[F_ALBUM], f[F_PERSON],
                              f[F_TEXT]);
        break;
    }
    FUZZ_CHECK(rc <= 0);
    if (rc == 0) {
        FUZZ_CHECK(newest(&text, recipient, sizeof recipient) > before);
        check_message(text, f[F_FROM], recipient, to, album);
    } else {
        FUZZ_CHECK(newest(&text, recipient, sizeof recipient) == before);
    }
    catalog_rollback(catalog);
    g_free(before_text);
    g_free(text);
    fuzz_fields_free(f, N_FIELDS);
    return 0;
}
