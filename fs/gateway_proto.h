/* gateway_proto.h — what albumfs-link-login (link_login.c) and a link
 * gateway's daemon (gateway.c) say over the login socket.
 *
 * One login per connection. The program sends the login's user name (the
 * link's token for its guest door, the token and GATEWAY_CLIENT_SUFFIX for
 * its client door), a NUL, the password, a NUL (at most
 * GATEWAY_REQUEST_MAX bytes), then shuts down its
 * writing side. The daemon answers one line: "OK " and the absolute path of
 * the link's session folder, or "NO" (no such link, a wrong password, a
 * link that expired, was revoked or has no password, too many attempts:
 * the program and the WebDAV server never learn which). No locks: both
 * sides are single-threaded per connection.
 */
#ifndef ALBUMFS_GATEWAY_PROTO_H
#define ALBUMFS_GATEWAY_PROTO_H

#include <limits.h>

/* store/links.h's LINK_TOKEN_CHARS and LINK_PASSWORD_MAX (gateway.c checks
 * they agree), so the program needs none of the library's headers. */
#define GATEWAY_TOKEN_CHARS 52
#define GATEWAY_PASSWORD_MAX 1024
#define GATEWAY_CLIENT_SUFFIX "-client" /* not in a token's alphabet */
#define GATEWAY_USER_MAX (GATEWAY_TOKEN_CHARS + sizeof GATEWAY_CLIENT_SUFFIX - 1)
#define GATEWAY_REQUEST_MAX (GATEWAY_USER_MAX + 1 + GATEWAY_PASSWORD_MAX + 1)
#define GATEWAY_REPLY_MAX (PATH_MAX + 8)
#define GATEWAY_OK "OK "
#define GATEWAY_NO "NO\n"

#endif
