#!/usr/bin/python3
# smtp-server.py — a local SMTP submission server for tests/cli/test_notify_smtp.sh
# (Debian's python3-aiosmtpd), listening on 127.0.0.1 until SIGTERM.
#
#   smtp-server.py MODE OUTDIR PORTFILE [CERT KEY]
#
# MODE: starttls (STARTTLS offered and required before AUTH and mail),
# tls (implicit TLS), plain (no TLS offered). Every mode requires AUTH
# with user "studio" and the password in $SMTP_TEST_PASSWORD. Each message
# accepted is written to OUTDIR as N.eml (the data as received) and N.env
# (MAIL FROM, then each RCPT TO, one a line); each login tried is a line
# of OUTDIR/logins (mechanism, whether over TLS). The port it listens on
# (free, chosen here) is written to PORTFILE once it accepts connections.
import os
import signal
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

mode, outdir, portfile = sys.argv[1:4]
password = os.environ["SMTP_TEST_PASSWORD"].encode()


def authenticate(server, session, envelope, mechanism, auth_data):
    with open(os.path.join(outdir, "logins"), "a") as f:
        f.write("%s tls=%s\n" % (mechanism, session.ssl is not None))
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == b"studio"
          and auth_data.password == password)
    return AuthResult(success=ok, handled=False)  # a refusal is answered 535


class Store:
    count = 0

    async def handle_DATA(self, server, session, envelope):
        Store.count += 1
        base = os.path.join(outdir, str(Store.count))
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".env", "w") as f:
            f.write("\n".join([envelope.mail_from] + envelope.rcpt_tos) + "\n")
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


kwargs = dict(authenticator=authenticate, auth_required=True)
ssl_context = None
if mode in ("starttls", "tls"):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(sys.argv[4], sys.argv[5])
    if mode == "starttls":
        kwargs.update(tls_context=ctx, require_starttls=True, auth_require_tls=True)
    else:
        # aiosmtpd does not count implicit TLS as TLS for AUTH: the whole
        # connection is encrypted anyway
        ssl_context = ctx
        kwargs.update(auth_require_tls=False)
elif mode == "plain":
    kwargs.update(auth_require_tls=False)
else:
    sys.exit("unknown mode " + mode)

controller = None
for _ in range(20):  # another process may take the free port first
    try:
        controller = Controller(Store(), hostname="127.0.0.1", port=free_port(),
                                ssl_context=ssl_context, **kwargs)
        controller.start()
        break
    except Exception as e:  # the port was taken: try another
        print("smtp-server: %s; trying another port" % e, file=sys.stderr)
        controller = None
if controller is None:
    sys.exit("smtp-server: no free port")
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % controller.port)
os.rename(portfile + ".tmp", portfile)

stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *a: stop.set())
signal.signal(signal.SIGINT, lambda *a: stop.set())
while not stop.wait(1):
    pass
controller.stop()
