"""moto's DynamoDB-compatible server for the tests, with requests applied one at a time.

moto 5.2.5 handles requests on many threads, and when it cancels a TransactWriteItems it
restores a snapshot of the whole table taken when that transaction began, silently undoing
any write another thread committed in between. Real DynamoDB serialises conflicting
transactions, so this wrapper does the same: connections are still served concurrently,
but each request runs under one lock. Everything else is moto's own server.

Usage: python scripts/moto_server.py HOST PORT
"""

import os
import sys
import threading

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()

    def one_at_a_time(environ, start_response):
        with lock:
            # Materialise the body inside the lock: the work happens while iterating.
            return list(app(environ, start_response))

    run_simple(host, port, one_at_a_time, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
