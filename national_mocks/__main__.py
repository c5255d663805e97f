"""Serve the mocked national services: `python -m national_mocks --host 127.0.0.1 --port 8001`.

A threaded WSGI server (Django's own, as used by runserver, without autoreload); use
gunicorn (`gunicorn national_mocks.wsgi`) for anything heavier than the demo and tests.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m national_mocks", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("NATIONAL_MOCKS_HOST", "127.0.0.1"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("NATIONAL_MOCKS_PORT", "8001"))
    )
    args = parser.parse_args(argv)

    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    from .wsgi import application  # forces the mocks' own settings module

    class Handler(WSGIRequestHandler):
        # Send each write at once: the server writes the headers and the body separately, and
        # on a kept-alive connection Nagle's algorithm held the body back until the client's
        # delayed ACK of the headers (~40 ms per answer). Real servers set TCP_NODELAY too.
        disable_nagle_algorithm = True

    server = ThreadedWSGIServer((args.host, args.port), Handler, ipv6=":" in args.host)
    server.set_app(application)
    port = server.server_address[1]
    province_config = os.environ.get("NATIONAL_MOCKS_PROVINCE_CONFIG")
    if province_config:
        from .province import start

        start(province_config)
        print(f"mock provincial system synchronising ({province_config})", file=sys.stderr)
    print(f"national mocks listening on http://{args.host}:{port}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
