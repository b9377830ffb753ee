"""moto server in a child process (see `lsc.local.child_process`): `python -m lsc.local.moto_process`
binds 127.0.0.1 on a free port and announces it.

Used by `lsc bench`, where moto stands in for S3 and SQS at 1,000 clusters. Two moto 5.x costs that
grow with the run and that the services it stands in for do not have are removed here, with the
same results (tests and the demo keep the unpatched in-process server, `MotoEndpoint`):
- every request lists and stats moto's own package folder (under the lock all requests share);
- SQS recomputes every queue attribute, each a scan of all messages reading the clock per message,
  for every message it sends or receives (a retention check), so a run over a queue of N messages
  costs O(N^2): the retention check reads the one attribute it needs, and the scans read the clock
  once.
"""
from __future__ import annotations

import functools
import logging
import threading
from typing import Any


def _cache_module_list() -> None:
    from moto import backends

    listing = getattr(backends, "list_of_moto_modules", None)
    if listing is not None:
        backends.list_of_moto_modules = functools.cache(lambda: tuple(listing()))  # type: ignore[assignment]


def _linear_sqs() -> None:
    from moto.core.utils import unix_time, unix_time_millis
    from moto.sqs import models

    queue, backend = models.Queue, models.SQSBackend
    replaced = [getattr(queue, name, None) for name in ("messages", "approximate_number_of_messages_delayed",
                                                        "approximate_number_of_messages_not_visible")]
    if None in replaced or not hasattr(backend, "is_message_valid_based_on_retention_period"):
        return  # another moto: leave it as it is

    def messages(self: Any) -> list[Any]:  # Message.visible and not Message.delayed, one clock reading
        now = unix_time_millis()
        return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]

    def delayed(self: Any) -> int:
        now = unix_time_millis()
        return sum(1 for m in self._messages if now < m.delayed_until)

    def not_visible(self: Any) -> int:
        now = unix_time_millis()
        return sum(1 for m in self._messages if not now > m.visible_at)

    def retained(self: Any, queue_name: str, message: Any) -> bool:
        period = int(self.get_queue(queue_name).message_retention_period)
        return period + message.sent_timestamp / 1000 > unix_time()

    queue.messages = property(messages)  # type: ignore[assignment]
    queue.approximate_number_of_messages_delayed = property(delayed)  # type: ignore[assignment]
    queue.approximate_number_of_messages_not_visible = property(not_visible)  # type: ignore[assignment]
    backend.is_message_valid_based_on_retention_period = retained  # type: ignore[method-assign]


def main() -> None:
    _cache_module_list()
    _linear_sqs()
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    from lsc.local.child_process import serve

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, DomainDispatcherApplication(create_backend_app), threaded=True,
                         request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="moto", daemon=True)
    thread.start()
    try:
        serve({"port": server.server_address[1]})
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
