/* gallery_address.h — where people reach the studio's galleries from their
 * own machines, and how to say it to them.
 *
 * The studio sets its addresses once (albumctl notify settings --smb,
 * --webdav, --sftp): settings notify.smb ("smb://HOST/SHARE"), notify.webdav
 * (an https:// URL) and notify.sftp ("HOST:PORT"), each stored in the
 * canonical form address_check returns. The invitation e-mail
 * (store/notify.c) tells each person, per operating system, how to open
 * the gallery through each address that is set; with none set it says the
 * studio will send the details. Nothing here names a path of the studio's
 * machine. Addresses reach e-mail bodies, so they are checked strictly: no
 * control characters (CR, LF), no spaces in hosts or URLs.
 * Pure checks; address_instructions reads settings through the connection
 * it is given (one thread at a time, as the catalog requires).
 */
#ifndef ALBUMFS_GALLERY_ADDRESS_H
#define ALBUMFS_GALLERY_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "store/catalog.h"

#define ADDRESS_MAX 512 /* bytes of a canonical address */

enum address_kind {
    ADDRESS_SMB = 0, /* \\HOST\SHARE, //HOST/SHARE or smb://HOST/SHARE */
    ADDRESS_WEBDAV,  /* https://HOST[:PORT]/PATH */
    ADDRESS_SFTP,    /* HOST[:PORT], port 22 by default */
};
#define ADDRESS_KINDS 3

/* The setting key of each kind ("notify.smb", ...). */
const char *address_setting(enum address_kind kind);

/* Check `text` as an address of `kind`; 0 with its canonical form in
 * canon[len] ("smb://HOST/SHARE", the URL, "HOST:PORT"), or -EINVAL with a
 * static reason in *why (-ENAMETOOLONG when it does not fit). */
int address_check(enum address_kind kind, const char *text, char *canon, size_t len,
                  const char **why);

/* The part of an invitation that says how to open the gallery: per-OS
 * steps for every address set (each re-checked: one edited by hand into
 * something else is left out). *text is malloc'd (caller frees); *any
 * says whether any address was set. 0 or negative errno. */
int address_instructions(struct af_catalog *c, char **text, bool *any);

#endif
