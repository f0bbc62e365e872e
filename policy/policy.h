/* policy.h — who may see and do what (SPEC §3).
 *
 * Pure functions: no I/O, no clock, no allocation. Callers load a subject
 * (who is asking, with every grant that names them directly, through a team
 * or through a link) and an entry (what they ask about) from the catalog and
 * pass the current time. Every question is answered by looking at each live
 * grant on the entry's album and taking the union of what they allow, capped
 * by the role presets of SPEC §3 and by the album's own rules.
 *
 * Deny by default: a subject with no live grant on an album sees nothing of
 * it. Functions returning int return 0 when allowed, -ENOENT when the entry
 * does not exist for the subject, and -EACCES / -EPERM when the subject sees
 * the entry but may not do the thing. Thread-safe: no state.
 */
#ifndef ALBUMFS_POLICY_H
#define ALBUMFS_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int64_t af_time; /* seconds since the Unix epoch, UTC */

/* Ordered: a higher role includes every right of a lower one. */
enum af_role {
    AF_ROLE_NONE = 0,
    AF_ROLE_GUEST = 1,   /* through a share link */
    AF_ROLE_INVITED = 2,
    AF_ROLE_CLIENT = 3,
    AF_ROLE_EDITOR = 4,  /* team member */
    AF_ROLE_OWNER = 5,   /* the photographer; never stored on a grant */
};

enum af_visibility {
    AF_VIS_PUBLIC = 0, /* everyone with access to the album */
    AF_VIS_CLIENT = 1, /* clients, editors, owner */
    AF_VIS_TEAM = 2,   /* editors and owner */
};

enum af_principal_kind {
    AF_PRINCIPAL_NOBODY = 0, /* e.g. an unmapped uid on a multi-user mount */
    AF_PRINCIPAL_OWNER,
    AF_PRINCIPAL_USER,
    AF_PRINCIPAL_LINK,
};

enum af_entry_kind {
    AF_ENTRY_ALBUM = 0,
    AF_ENTRY_SET,
    AF_ENTRY_PHOTO,
    AF_ENTRY_DOCUMENT,
};

/* The files a person may read for one photo. */
enum af_view {
    AF_VIEW_ORIGINAL = 1u << 0, /* the uploaded bytes (owner, editor, documents) */
    AF_VIEW_PROOF = 1u << 1,    /* browsing copy: resized, maybe watermarked */
    AF_VIEW_WEB = 1u << 2,      /* web-size download */
    AF_VIEW_HIGHRES = 1u << 3,  /* high-res download */
};

enum af_highres {
    AF_HIGHRES_OFF = 0,
    AF_HIGHRES_MAX_EDGE = 1, /* resized to highres_long_edge */
    AF_HIGHRES_ORIGINAL = 2, /* original pixel size */
};

/* Which metadata a high-res download keeps (every other view strips all). */
enum af_metadata {
    AF_META_STRIP_ALL = 0,
    AF_META_STRIP_GPS = 1, /* keep camera EXIF, drop GPS (default) */
    AF_META_KEEP_ALL = 2,
};

#define AF_DEFAULT_PROOF_EDGE 2048u
#define AF_DEFAULT_WEB_EDGE 2048u
#define AF_MIN_EDGE 256u            /* px, smallest proof, web or high-res edge */
#define AF_MAX_VIEW_EDGE 8192u      /* px, largest proof or web edge */
#define AF_MAX_HIGHRES_EDGE 65500u  /* px, largest high-res edge (JPEG's limit) */
#define AF_MAX_DOWNLOAD_SETS 64

/* A grant's settings (SPEC §3). The defaults (policy_settings_default)
 * follow least privilege; docs/policy.md lists them. */
struct af_grant_settings {
    uint32_t proof_long_edge;     /* px, long edge of proofs */
    bool watermark_proofs;        /* default on */
    bool watermark_downloads;     /* default on */
    bool watermark_recipient;     /* faint recipient name on views; default off */
    bool web_downloads;           /* default off */
    uint32_t web_long_edge;       /* px */
    enum af_highres highres;      /* default off */
    uint32_t highres_long_edge;   /* px, used when highres == MAX_EDGE */
    int64_t pool_id;              /* allowance pool of high-res downloads; 0 = unlimited */
    enum af_metadata highres_metadata; /* default STRIP_GPS */
    bool may_favourite;           /* default: on for client and invited, off for guest */
    bool may_mark_private;        /* default on for client (still needs the album's consent) */
    bool notify;                  /* notify the owner on milestones; default off */
    /* Sets from which downloads are allowed; n_download_sets == 0 means all
     * sets the grant can see. */
    size_t n_download_sets;
    int64_t download_sets[AF_MAX_DOWNLOAD_SETS];
};

struct af_grant {
    int64_t id;
    int64_t album_id;
    enum af_role role;   /* GUEST, INVITED, CLIENT or EDITOR */
    af_time expires;     /* 0 = never; live while now < expires */
    af_time revoked;     /* 0 = not revoked; revoked grants are dead */
    struct af_grant_settings settings;
};

/* Who is asking. `grants` holds every grant naming the principal (directly,
 * through a team, or the link's own); grants on other albums are ignored. */
struct af_subject {
    enum af_principal_kind kind;
    int64_t user_id; /* AF_PRINCIPAL_USER */
    int64_t link_id; /* AF_PRINCIPAL_LINK */
    bool client_door; /* a link's client door (store/links.h): up to CLIENT */
    const struct af_grant *grants;
    size_t n_grants;
};

/* What is asked about. For an album only album_id (and the album rule)
 * matter; for a set also set_id and set_visibility; for a photo or document
 * everything. */
struct af_entry {
    enum af_entry_kind kind;
    int64_t album_id;
    bool album_allows_private_marks; /* the album lets clients mark photos private */
    int64_t set_id;
    enum af_visibility set_visibility;
    bool is_private; /* photo marked private */
    bool trashed;    /* in the trash: visible to owner and editors only, in the trash */
};

/* How a view is to be made for this subject. */
struct af_render {
    enum af_view view;
    uint32_t long_edge;        /* 0 = original size */
    bool watermark;
    bool recipient_mark;       /* add the recipient's name/e-mail */
    enum af_metadata metadata; /* STRIP_ALL except high-res per grant */
    int64_t grant_id;          /* the grant that allows it (an editor's grant; 0 for the owner) */
    int64_t pool_id;           /* 0 = no allowance is charged */
};

/* The settings of a fresh grant of `role` (least privilege for that role). */
void policy_settings_default(enum af_role role, struct af_grant_settings *out);

/* Clamp settings to what `role` may ever have (a grant narrows, never widens
 * past its column of SPEC §3). Returns true if anything was changed. */
bool policy_settings_clamp(enum af_role role, struct af_grant_settings *s);

/* Whether a grant counts at `now`: not revoked and now < expires (or no expiry). */
bool policy_grant_live(const struct af_grant *g, af_time now);

/* The highest role the subject holds on the album at `now` (OWNER for the
 * owner, NONE when no live grant names that album). `via` receives the id
 * of the grant giving that role (0 for the owner); may be NULL. */
enum af_role policy_album_role(const struct af_subject *who, int64_t album_id,
                               af_time now, int64_t *via);

/* Whether the entry exists for the subject. */
bool policy_may_see(const struct af_subject *who, const struct af_entry *what, af_time now);

/* The views of a photo or document the subject may read (bitmask of
 * af_view; 0 when the entry is hidden). Documents only ever have ORIGINAL. */
unsigned policy_views(const struct af_subject *who, const struct af_entry *what, af_time now);

/* The view a person browses by default: ORIGINAL for owner, editor and
 * documents; PROOF for everyone else. Returns 0 if the entry is hidden. */
enum af_view policy_default_view(const struct af_subject *who,
                                 const struct af_entry *what, af_time now);

/* How to produce `view` of a photo for the subject. 0 and *out filled when
 * allowed; -ENOENT when hidden; -EACCES when seen but that view is not
 * allowed. When several grants allow it, the most generous one wins
 * (no pool over a pool, larger over smaller, unwatermarked over watermarked). */
int policy_render(const struct af_subject *who, const struct af_entry *what,
                  enum af_view view, af_time now, struct af_render *out);

/* Actions on an entry; 0, -ENOENT (hidden) or -EACCES/-EPERM. */
int policy_may_favourite(const struct af_subject *who, const struct af_entry *what, af_time now);
int policy_may_mark_private(const struct af_subject *who, const struct af_entry *what, af_time now);
/* Who set a photo's private mark. */
enum af_marker {
    AF_MARKER_NONE = 0, /* the photo is not marked */
    AF_MARKER_CLIENT,   /* a client, on their mount */
    AF_MARKER_STUDIO,   /* the owner or a team member */
};
/* Whether a person whose role on the album is `role` may change a mark set
 * by `marker` (set one when NONE, lift or take over one otherwise): owner
 * and editors always; a client one that nobody or a client set, never the
 * studio's (an owner's mark is the owner's to lift); nobody else. 0 or
 * -EPERM. The grants and the album's consent are policy_may_mark_private's
 * question: both must allow. */
int policy_may_set_private(enum af_role role, enum af_marker marker);
/* Upload, create/rename sets, move, delete to trash (owner and editors). */
int policy_may_modify(const struct af_subject *who, const struct af_entry *what, af_time now);
/* Issue/revoke grants, purge, restore: the owner alone (through the CLI). */
int policy_may_administer(const struct af_subject *who);

const char *policy_role_name(enum af_role role);       /* "client", ... */
int policy_role_parse(const char *name, enum af_role *out); /* 0 or -EINVAL */
const char *policy_visibility_name(enum af_visibility v);
int policy_visibility_parse(const char *name, enum af_visibility *out);
const char *policy_view_name(enum af_view v);

#endif
