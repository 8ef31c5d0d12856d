"""A scripted HTTP server on loopback, for answers the real server never gives
(rate limits, proxies' HTML pages, redirects, future problem codes)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple, Union


@dataclass
class Answer:
    status: int
    body: Union[bytes, Dict[str, Any], List[Any]] = b""
    headers: Dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def encoded(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()


@dataclass
class Seen:
    method: str
    path: str
    headers: Dict[str, str]
    body: bytes


class Stub:
    """Answers every request with `answer` (or `answers[path]`) and records what came."""

    def __init__(self) -> None:
        self.answer = Answer(200, {})
        self.answers: Dict[str, Answer] = {}
        self.seen: List[Seen] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                stub.seen.append(Seen(self.command, self.path, dict(self.headers.items()), body))
                answer = stub.answers.get(self.path.split("?")[0], stub.answer)
                if answer.delay:
                    time.sleep(answer.delay)
                payload = answer.encoded()
                self.send_response(answer.status)
                headers = {"Content-Type": "application/json", **answer.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        address: Tuple[str, int] = self._server.server_address  # type: ignore[assignment]
        return f"http://127.0.0.1:{address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def last(self) -> Optional[Seen]:
        return self.seen[-1] if self.seen else None
