"""moto's DynamoDB-compatible server for the tests, with requests applied one at a time.

moto 5.2.5 handles requests on many threads, and when it cancels a TransactWriteItems it
restores a snapshot of the whole table taken when that transaction began, silently undoing
any write another thread committed in between. Real DynamoDB serialises conflicting
transactions, so this wrapper does the same: connections are still served concurrently,
but each request runs under one lock. Everything else is moto's own server.

Its rollback is also where its time goes: before every TransactWriteItems, moto deep-copies
the whole table once per item of the transaction, so a transaction's cost grows with the
table's size times its item count. On the suites' shared tables (every test's organization,
its audit events and policy copies) that reached seconds per transaction, and under load the
SDK's 8 s operation timeout. Since requests already run one at a time here, the wrapper
below keeps an undo log of just the items a transaction addresses instead, and restores
those on cancellation: the same all-or-nothing outcome. (The tests' tables have no stream,
so the restoring writes leave no trace.)

Usage: python scripts/moto_server.py HOST PORT
"""

import copy
import os
import sys
import threading

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)


def install_item_level_rollback() -> None:
    """TransactWriteItems with an undo log of the addressed items (see the module's doc)."""
    import moto.dynamodb.models as models
    from moto.dynamodb.models.table import Table

    real_deepcopy = copy.deepcopy

    class _Copy:
        """moto's `copy` module as its backend sees it: tables are not copied."""

        @staticmethod
        def deepcopy(value, memo=None):
            return value if isinstance(value, Table) else real_deepcopy(value, memo)

    models.copy = _Copy
    backend_class = models.DynamoDBBackend
    transact = backend_class.transact_write_items

    def transact_write_items(self, transact_items):
        undo = []
        for entry in transact_items:
            try:
                op_type, op = next(iter(entry.items()))
                name = op["TableName"]
                table = self.get_table(name)
                if op_type == "Put":
                    attrs = op["Item"]
                    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = attrs[table.range_key_attr]
                else:
                    key = op["Key"]
                before = self.get_item(name, key)
                undo.append((name, key, before.to_json()["Attributes"] if before else None))
            except Exception:
                # moto refuses this entry the same way before it changes anything.
                continue
        try:
            transact(self, transact_items)
        except Exception:
            for name, key, attributes in reversed(undo):
                if attributes is None:
                    if self.get_item(name, key) is not None:
                        self.delete_item(name, key)
                else:
                    self.put_item(name, attributes)
            raise

    backend_class.transact_write_items = transact_write_items


def main() -> None:
    install_item_level_rollback()
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
