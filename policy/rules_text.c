/* rules_text.c — the rules of an album for one person, in plain words
 * (see rules_text.h).
 *
 * The text is built from fixed sentences chosen by the facts; the only
 * names in it are the album's and the folders every album shows. Built in
 * an open_memstream, so its length is exactly what a reader gets.
 */
#include "policy/rules_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- facts from grants ---- */

/* Remember allowance pool_id once. */
static void add_pool(struct rules_facts *f, int64_t pool_id)
{
    for (size_t i = 0; i < f->n_pools; i++)
        if (f->pools[i].pool_id == pool_id)
            return;
    if (f->n_pools < RULES_POOLS_MAX)
        f->pools[f->n_pools++] = (struct rules_allowance){pool_id, -1, 0};
}

void rules_facts_for(const struct af_subject *who, int64_t album_id,
                     bool album_allows_private_marks, af_time now, struct rules_facts *out)
{
    struct af_entry photo = {.kind = AF_ENTRY_PHOTO, .album_id = album_id,
                             .album_allows_private_marks = album_allows_private_marks,
                             .set_visibility = AF_VIS_PUBLIC};
    bool unlimited = false, never = false;
    size_t n = who && who->grants && (who->kind == AF_PRINCIPAL_USER ||
                                      who->kind == AF_PRINCIPAL_LINK) ? who->n_grants : 0;

    memset(out, 0, sizeof *out);
    out->role = policy_album_role(who, album_id, now, NULL);
    if (out->role == AF_ROLE_NONE)
        return;
    out->favourites = policy_may_favourite(who, &photo, now) == 0;
    out->mark_private = policy_may_mark_private(who, &photo, now) == 0;
    if (out->role >= AF_ROLE_EDITOR)
        out->web = true; /* they browse originals: Web-size/, no High-res/ */
    for (size_t i = 0; i < n; i++) {
        const struct af_grant *g = &who->grants[i];
        const struct af_grant_settings *s = &g->settings;

        if (g->album_id != album_id || !policy_grant_live(g, now))
            continue;
        if (g->expires == 0)
            never = true;
        else if (g->expires > out->expires)
            out->expires = g->expires;
        if (out->role >= AF_ROLE_EDITOR || g->role >= AF_ROLE_EDITOR)
            continue;
        out->watermarked |= s->watermark_proofs;
        out->web |= s->web_downloads;
        if (s->highres == AF_HIGHRES_OFF)
            continue;
        out->highres_some_sets |= s->n_download_sets > 0;
        if (s->pool_id == 0)
            unlimited = true;
        else
            add_pool(out, s->pool_id);
    }
    if (never || out->role == AF_ROLE_OWNER)
        out->expires = 0;
    if (unlimited) {
        out->highres = RULES_HIGHRES_UNLIMITED;
        out->n_pools = 0; /* no allowance is charged while one grant is unlimited */
    } else if (out->n_pools > 0) {
        out->highres = RULES_HIGHRES_ALLOWANCE;
    }
}

/* ---- dates ---- */

void rules_format_date(af_time t, char *buf, size_t len)
{
    static const char *const days[7] = {"Sunday", "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};
    static const char *const months[12] = {"January", "February", "March", "April",
                                           "May", "June", "July", "August",
                                           "September", "October", "November", "December"};
    time_t tt = (time_t)t;
    struct tm tm;

    if (!gmtime_r(&tt, &tm)) {
        snprintf(buf, len, "(an unknown date)");
        return;
    }
    snprintf(buf, len, "%s %d %s %d, %02d:%02d UTC", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
}

/* ---- the text ---- */

static const char *role_words(enum af_role r)
{
    switch (r) {
    case AF_ROLE_OWNER:
        return "You are the owner of this photo library: you see everything in it.";
    case AF_ROLE_EDITOR:
        return "You are part of the studio team (editor) for this album.";
    case AF_ROLE_CLIENT:
        return "You are the client of this album.";
    case AF_ROLE_INVITED:
        return "You are invited to see this album.";
    case AF_ROLE_GUEST:
        return "You are a guest of this album, through a share link.";
    case AF_ROLE_NONE:
        break;
    }
    return "This album is not shared with you.";
}

static void team_part(FILE *t, const struct rules_facts *f)
{
    fputs("\nWhat you can do\n"
          "  Every folder of the album is here, the studio's own ones too, with\n"
          "  the original photos. Copy photos into a folder to add them (a copy\n"
          "  under a photo's name makes a new version of it), rename and move\n"
          "  them, and delete them (they go to the studio's trash, from where\n"
          "  they can be restored). Make a new folder for a new set: only the\n"
          "  team sees it until the owner opens it to clients.\n", t);
    if (f->mark_private)
        fputs("  Hide a photo from guests and invited people by taking away the\n"
              "  \"read\" permission of others (file manager: Properties >\n"
              "  Permissions > Others: None; shell: chmod o-r PHOTO).\n", t);
    if (f->web)
        fputs("  \"Web-size\" holds every photo sized for sharing online.\n", t);
}

static void allowance_part(FILE *t, const struct rules_facts *f, enum rules_place place)
{
    int64_t left = 0, limit = 0;
    bool known = true;

    for (size_t i = 0; i < f->n_pools; i++) {
        if (f->pools[i].limit < 0) {
            known = false;
            continue;
        }
        limit += f->pools[i].limit;
        left += f->pools[i].limit > f->pools[i].used ? f->pools[i].limit - f->pools[i].used : 0;
    }
    if (!known || limit == 0) {
        fputs("  Your high-res photos come from an allowance the studio set.\n", t);
        return;
    }
    fprintf(t, "  You may take %" PRId64 " high-res photo%s; %" PRId64 " of %" PRId64
               " %s left %s.\n",
            limit, limit == 1 ? "" : "s", left, limit, left == 1 ? "is" : "are",
            place == RULES_IN_GALLERY ? "right now" : "today");
    fputs("  (Anyone who shares your allowance, such as your partner, takes from\n"
          "  the same count.)\n", t);
}

static void person_part(FILE *t, const struct rules_facts *f, enum rules_place place)
{
    fputs("\nLooking\n", t);
    fprintf(t, "  Open the photos in the album's folders with any image viewer. They\n"
               "  are viewing copies (proofs%s). Looking, previewing and\n"
               "  copying them out is free and never counted.\n",
            f->watermarked ? ", with a watermark" : "");
    if (f->favourites)
        fputs("\nFavourites\n"
              "  To pick a photo, copy or drag it into the folder of the same name\n"
              "  inside \"Favourites\" (from FOLDER into Favourites/FOLDER: copy and\n"
              "  paste or drag in a file manager, or cp, or touch\n"
              "  Favourites/FOLDER/PHOTO in a shell).\n"
              "  Nothing is copied: the photo is marked, and your photographer sees\n"
              "  your picks. Delete it from Favourites to unpick it.\n", t);
    if (f->web)
        fprintf(t, "\nWeb-size downloads\n"
                   "  \"Web-size\" holds the photos%s sized for sharing online:\n"
                   "  copy them wherever you like.\n",
                f->highres_some_sets ? " you may download" : "");
    if (f->highres == RULES_HIGHRES_UNLIMITED) {
        fputs("\nHigh-res downloads\n"
              "  \"High-res\" holds full-quality photos, as many as you like: copy\n"
              "  them wherever you like.\n", t);
    } else if (f->highres == RULES_HIGHRES_ALLOWANCE) {
        fputs("\nHigh-res downloads\n"
              "  A photo shows in \"High-res\" once you take it, so browsing never uses\n"
              "  up your allowance. To take one, copy or drag it from FOLDER into\n"
              "  High-res/FOLDER (copy and paste or drag, or cp, or touch\n"
              "  High-res/FOLDER/PHOTO in a shell); then copy the full-quality photo\n"
              "  from there as often as you like. Taking it again is free; deleting\n"
              "  it there does not give the download back.\n", t);
        allowance_part(t, f, place);
        fputs("  When none are left, taking another fails with \"Disk quota\n"
              "  exceeded\" (on a network drive, Windows and the Mac say there is\n"
              "  \"not enough space\"): your allowance is used up, not your disk.\n"
              "  Ask your photographer for more.\n", t);
    }
    if (f->highres != RULES_HIGHRES_NONE && f->highres_some_sets)
        fputs("  Only the folders listed inside \"High-res\" offer downloads.\n", t);
    if (f->mark_private)
        fputs("\nPrivate photos\n"
              "  You can hide a photo from the guests and invited people of this\n"
              "  album (you and your photographer still see it): copy or drag it\n"
              "  from FOLDER into Private/FOLDER (copy and paste or drag in a file\n"
              "  manager, or cp in a shell); delete it from Private/FOLDER to unhide it;\n"
              "  the photo stays where it is. In a shell, chmod o-r PHOTO works too\n"
              "  (chmod o+r to unhide). A photo the studio hid stays hidden.\n", t);
    if (!f->favourites && f->highres == RULES_HIGHRES_NONE && !f->web)
        fputs("\nThis album is for looking only: no favourites and no downloads.\n", t);
}

char *rules_text(const struct rules_facts *f, const char *album, enum rules_place place)
{
    char *text = NULL, when[64];
    size_t len = 0;
    FILE *t = open_memstream(&text, &len);

    if (!t)
        return NULL;
    if (place == RULES_IN_GALLERY)
        fprintf(t, "READ ME: the album \xe2\x80\x9c%s\xe2\x80\x9d\n\n", album);
    fprintf(t, "%s\n", role_words(f->role));
    if (f->role >= AF_ROLE_EDITOR)
        team_part(t, f);
    else if (f->role != AF_ROLE_NONE)
        person_part(t, f, place);
    fputs("\nUntil when\n", t);
    if (f->role == AF_ROLE_NONE) {
        fputs("  You have no access to it now.\n", t);
    } else if (f->expires == 0) {
        fputs("  Your access has no end date.\n", t);
    } else {
        rules_format_date(f->expires, when, sizeof when);
        fprintf(t, "  Your access ends on %s.\n", when);
    }
    if (place == RULES_IN_GALLERY)
        fputs("\nThis file always says how things stand now; it cannot be changed.\n", t);
    if (ferror(t)) {
        fclose(t);
        free(text);
        return NULL;
    }
    if (fclose(t) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
