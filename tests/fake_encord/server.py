"""`FakeEncord`: a loopback HTTP server speaking Encord's RPC and REST protocols over a SQLite store."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import auth, rest, rpc
from .faults import Fault, FaultSet, RequestRecord
from .rows import Image, row_problem, served_row
from .store import Store


@dataclass
class Reply:
    status: int
    body: Any = None  # JSON-encoded unless bytes (sent as text/html)
    headers: dict[str, str] = field(default_factory=dict)


def _envelope(code: str, payload: Any, status: int) -> Reply:
    return Reply(200, {"status": status, "response": [code], "payload": payload})


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeEncord


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def _serve(self) -> None:
        self.server.fake._serve(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FakeEncord:
    """A test double of the Encord API. `start()` it, point the SDK at `.domain`, seed it, arm `.faults`.

    `tmp_dir` holds the SQLite file; `page_size` caps every REST page (small, so paging is exercised).
    """

    def __init__(self, tmp_dir: Path | str, *, page_size: int = 2) -> None:
        self.store = Store(Path(tmp_dir) / "fake_encord.sqlite")
        self.faults = FaultSet()
        self.requests: list[RequestRecord] = []
        self.errors: list[Exception] = []  # crashes of the fake and failures of `after` hooks
        self.page_size = page_size
        self._log_lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> FakeEncord:
        self._stopping.clear()
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.fake = self
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name="fake-encord", daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving (sleeping `delay` faults wake up); the store stays readable."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeEncord:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def domain(self) -> str:
        assert self._httpd is not None, "start() the server first"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # -- credentials and seeding ---------------------------------------------------------------------

    def add_user(self, public_key_hex: str) -> None:
        self.store.add_user(public_key_hex)

    def remove_user(self, public_key_hex: str) -> None:
        """Revoke a key: its next request fails authentication."""
        self.store.remove_user(public_key_hex)

    def add_token(self, token: str) -> None:
        self.store.add_token(token)

    def new_ssh_key(self) -> str:
        """A new registered user: its private key in OpenSSH format."""
        private, public = auth.generate_ssh_key()
        self.add_user(public)
        return private

    def add_project(self, title: str, ontology_editor_dict: dict[str, Any], description: str = "") -> str:
        return self.store.add_project(title, ontology_editor_dict, description)

    def ontology_hash(self, project_hash: str) -> str:
        project = self.store.project(project_hash)
        assert project is not None, project_hash
        return str(project["ontology_hash"])

    def add_data_unit(
        self,
        project_hash: str,
        title: str,
        type: str = "image",
        frames: int = 1,
        width: int = 640,
        height: int = 480,
        fps: float = 25.0,
        dataset_title: str = "dataset",
        data_hash: str | None = None,
        *,
        images: Iterable[Image | tuple[str, str, int, int]] = (),
        file_type: str | None = None,
        duration: float | None = None,
        audio: dict[str, Any] | None = None,
        spaces: dict[str, Any] | None = None,
    ) -> str:
        """A data unit of any type in `rows.FILE_TYPES`. `frames`: video frames, DICOM/NIfTI slices, PDF pages,
        audio samples (with `fps` the sample rate); an image group's `images` (data_hash, title, width, height)
        set its frames, else it has `frames` images of `width` x `height`. `file_type`, `duration`, `audio`
        (audio_codec, audio_sample_rate, audio_bit_depth, audio_num_channels) and `spaces` (a data group's or
        scene's space infos) are served in the listing as given."""
        return self.store.add_data_unit(
            project_hash,
            title,
            type,
            frames,
            width,
            height,
            fps,
            dataset_title,
            data_hash,
            images=[i if isinstance(i, Image) else Image(*i) for i in images],
            file_type=file_type,
            duration=duration,
            audio=audio,
            spaces=spaces,
        )

    def put_label_row(
        self, project_hash: str, row_dict: dict[str, Any], *, edited_at: datetime | None = None
    ) -> str:
        """An annotator's edit: store this dict as the row of (its data_hash, its branch_name or main),
        creating the row if needed (keeping the dict's label_hash if it has one). Returns the label hash.
        `edited_at` (an aware time) backdates the edit: the row's `last_edited_at`, else now."""
        unit = self.store.unit(project_hash, row_dict["data_hash"])
        if unit is None:
            raise KeyError(f"data unit {row_dict['data_hash']} is not in project {project_hash}")
        if problem := row_problem(row_dict, unit):
            raise ValueError(problem[1])
        stored = self.store.create_row(unit, row_dict.get("branch_name") or "main", row_dict.get("label_hash"))
        self.store.replace_rows(
            project_hash, [(stored.label_hash, {**row_dict, "label_hash": stored.label_hash})], edited_at
        )
        return stored.label_hash

    def get_label_row(self, project_hash: str, data_hash: str, branch: str = "main") -> dict[str, Any] | None:
        """The row as a fetch would return it (server-owned fields laid over the saved dict)."""
        stored = self.store.row(project_hash, data_hash, branch)
        return served_row(stored) if stored else None

    def add_collection(
        self,
        project_hash: str,
        name: str,
        type: str = "FRAME",
        description: str = "",
        items: Iterable[tuple[str, int, str | None]] = (),
    ) -> str:
        collection = self.store.add_collection(project_hash, name, description, type)
        for data_hash, frame, annotation in items:
            self.store.add_item(collection, data_hash, frame, annotation)
        return collection

    def collections(self, project_hash: str) -> list[dict[str, Any]]:
        """Each collection: uuid, project_hash, name, description, type, created_at, last_edited_at."""
        return self.store.collections(project_hash)

    def collection_items(self, collection_uuid: str) -> list[tuple[str, int, str | None]]:
        """(data_hash, frame, annotation id or None) in the order they were added."""
        return self.store.collection_items(collection_uuid)

    # -- request log ---------------------------------------------------------------------------------

    def records(self, route: str = "*") -> list[RequestRecord]:
        probe = Fault(route, "after")
        with self._log_lock:
            return [r for r in self.requests if probe.matches(r.route)]

    def count(self, route: str = "*") -> int:
        """How many requests reached the server on routes matching the glob `route`."""
        return len(self.records(route))

    def clear_log(self) -> None:
        with self._log_lock:
            self.requests.clear()

    # -- serving -------------------------------------------------------------------------------------

    def _serve(self, h: _Handler) -> None:
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        url = urlsplit(h.path)
        record = RequestRecord(h.command, url.path, f"{h.command} {url.path}", bytes=len(body))
        call: dict[str, Any] | None = None
        if url.path in ("/public", "/public/user") and h.command == "POST":
            try:
                call = json.loads(body)
                values = call.get("values") or {}
                record.query_type, record.query_method = call["query_type"], call["query_method"]
                record.route = f"{record.query_type}.{record.query_method}"
                record.uids = tuple(rpc.uid_list(values.get("uid")))
                record.n, record.data_hashes = rpc.rows_in(record.route, values.get("uid"), values.get("payload"))
            except (ValueError, KeyError, TypeError, AttributeError):
                call = None
        elif isinstance(body_json := _json_or_none(body), dict):
            items = body_json.get("items")
            record.n = len(items) if isinstance(items, list) else 0
        with self._log_lock:
            self.requests.append(record)
        try:
            reply = self._answer(h, record, body, call, url.query)
        except Exception as e:  # a bug in the fake: answer 500 and keep it in .errors
            self.errors.append(e)
            reply = Reply(500, {"message": f"fake-encord crashed: {e!r}"})
        record.status = reply.status
        if reply.status == 200 and isinstance(reply.body, dict) and "response" in reply.body:
            record.rpc_status = reply.body.get("status")
        self._write(h, reply)

    def _answer(
        self, h: _Handler, record: RequestRecord, body: bytes, call: dict[str, Any] | None, query: str
    ) -> Reply:
        route, is_rpc = record.route, record.query_type is not None
        for fault in self.faults.fire("delay", route, lambda f: not f.landed):
            self._stopping.wait(fault.seconds)
        for fault in self.faults.fire("http_status", route, first=True):
            body_ = fault.body.encode() if isinstance(fault.body, str) else fault.body  # a str is HTML
            default = {"message": f"fake-encord injected HTTP {fault.status}"}
            return Reply(fault.status, default if body_ is None else body_, fault.headers)
        for fault in self.faults.fire("payload_limit", route, lambda f: len(body) > f.max_bytes, first=True):
            return Reply(413, {"message": f"Request payload exceeds the limit of {fault.max_bytes} bytes."})
        try:
            if record.path.startswith("/public"):
                auth.check_rpc(h.headers, body, self.store.known_key, self.store.known_token)
            else:
                auth.check_rest(h.command, h.path, h.headers, body, self.store.known_key, self.store.known_token)
        except auth.AuthFailed as e:
            return _envelope("AUTHENTICATION_ERROR", str(e), 401) if is_rpc else Reply(401, {"message": str(e)})
        if is_rpc:
            assert call is not None
            reply = self._rpc(h, record, call)
        elif record.path.startswith("/public"):
            reply = Reply(400, {"message": "malformed RPC request"})
        else:
            reply = self._rest(record, body, query)
        for fault in self.faults.fire("delay", route, lambda f: f.landed):
            self._stopping.wait(fault.seconds)
        if reply.status in (200, 204) and (not is_rpc or reply.body.get("status") == 200):
            for fault in self.faults.fire("after", route):
                try:
                    fault.hook(record)  # type: ignore[misc]
                except Exception as e:  # the test's hook failed: keep answering, report it in .errors
                    self.errors.append(e)
        return reply

    def _rpc(self, h: _Handler, record: RequestRecord, call: dict[str, Any]) -> Reply:
        route = record.route
        for fault in self.faults.fire("rpc_error", route, first=True):
            return _envelope(fault.code, fault.payload, fault.status)
        for fault in self.faults.fire(
            "reject_row", route, lambda f: f.data_hash in record.data_hashes, first=True
        ):
            payload = fault.payload or f"the label row of data unit {fault.data_hash} was rejected"
            return _envelope(fault.code, payload, fault.status)
        project = h.headers.get("ResourceID") or ""
        if self.store.project(project) is None:
            return _envelope("AUTHORISATION_ERROR", f"no access to project {project!r}", 403)
        handler = rpc.HANDLERS.get(route)
        if handler is None:
            return _envelope("FAKE_ENCORD_NOT_IMPLEMENTED", route, 501)
        values = call.get("values") or {}
        try:
            return Reply(
                200,
                {
                    "status": 200,
                    "response": handler(self.store, project, values.get("uid"), values.get("payload") or {}),
                },
            )
        except rpc.RpcError as e:
            return _envelope(e.code, e.payload, e.status)

    def _rest(self, record: RequestRecord, body: bytes, query: str) -> Reply:
        found = rest.route(record.method, record.path.removeprefix("/v2/public/").strip("/"))
        if found is None:
            return Reply(501, {"message": f"fake-encord does not implement {record.route}"})
        handler, groups = found
        call = rest.RestCall(
            self.store, record.method, groups, parse_qs(query), _json_or_none(body), self.page_size
        )
        try:
            result = handler(call)
        except rest.HttpError as e:
            return Reply(e.status, {"message": e.message})
        return Reply(204) if result is None and record.method == "DELETE" else Reply(200, result)

    @staticmethod
    def _write(h: _Handler, reply: Reply) -> None:
        if isinstance(reply.body, bytes):
            data = reply.body
            content_type = "text/html; charset=utf-8"
        else:
            data = b"" if reply.status == 204 else json.dumps(reply.body).encode()
            content_type = "application/json"
        try:
            h.send_response(reply.status)
            for name, value in {"Content-Type": content_type, **reply.headers}.items():
                h.send_header(name, value)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True  # the client gave up (a timeout): nothing to answer


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None
