"""Follow every FlowLog of a namespace: a ``kubectl get --watch``, checked against periodic paged lists.

Records, per object, when it was first seen, when it was first seen Active (and Ready, Synced, observed),
and when it was deleted, all as wall-clock seconds.

The watch alone is not trusted to keep delivering. While ``reconciling`` is on (the harness turns it on
while a phase waits for the objects), a paged list (``kubectl get -o json --chunk-size=500``) runs every
``reconcile_every`` seconds and is compared with what the watch delivered:

- a change a list showed ``stall_after`` seconds ago that the current watch process still has not
  delivered (a newer resourceVersion, or a deletion) means the watch is behind: that is logged with
  kubectl's state (process state, kernel wait channel, bytes waiting in its stdout pipe), and if kubectl
  has also printed nothing for ``reconcile_every`` seconds it is stuck, and is stopped and started again;
- a state the watch has not delivered ``stall_after`` seconds after a list showed it is taken from the
  list: Active from the object's Ready condition ``lastTransitionTime`` (whole seconds), deleted at the
  start of the first list the object was absent from. Such objects are flagged (``Seen.*_via_list``).

kubectl ending on its own (server-side watch timeout, a closed connection) starts it again at once. A
(re)started kubectl prints every existing object as ADDED before it watches; since a live ADDED is always
a new object (never Active yet), an object first seen Active in an ADDED event is a listing, not a
transition, and is treated like a list observation too.

The reader is linear in the bytes read (``DocumentStream``): text is decoded incrementally (a UTF-8
character may straddle two reads) and each complete document is handed to the JSON decoder once.
"""

from __future__ import annotations

import array
import codecs
import contextlib
import fcntl
import json
import os
import re
import subprocess
import tempfile
import termios
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from support.flowlogs import condition, is_active

LIST_CHUNK = 500
_SPACE = re.compile(r"\s*")


@dataclass
class Seen:
    created: float  # metadata.creationTimestamp (whole seconds)
    first_seen: float
    active_at: float | None = None
    deleted_at: float | None = None
    active_via_list: bool = False  # Active learned from a listing: the Ready lastTransitionTime
    deleted_via_list: bool = False  # deletion learned from absence in a list


@dataclass
class WatchStats:
    events: int = 0  # watch events read
    starts: int = 0  # kubectl watch processes started
    exits: int = 0  # ... that ended on their own
    stalls: int = 0  # ... stopped: the lists showed changes they had not delivered, and they were silent
    lagging: int = 0  # lists after which the watch was found behind by more than stall_after
    lists: int = 0  # reconciling lists completed
    list_failures: int = 0
    parse_errors: int = 0
    active_via_list: int = 0
    deleted_via_list: int = 0

    def minus(self, before: WatchStats) -> dict[str, int]:
        return {k: v - getattr(before, k) for k, v in self.__dict__.items()}


@dataclass
class Listing:
    started: float
    versions: dict[str, int]  # name -> resourceVersion
    active: dict[str, float]  # name -> Ready lastTransitionTime, for the objects Active in the list
    max_version: int = 0  # a lower bound on the revision the list was read at


@dataclass
class _WatchProcess:
    process: subprocess.Popen[bytes]
    started: float
    stderr: Path
    versions: dict[str, int] = field(default_factory=dict)  # what this process delivered, per object
    deleted: set[str] = field(default_factory=set)
    last_output: float = 0.0
    stopping: str = ""  # why we stopped it, if we did


class DocumentStream:
    """Complete JSON documents out of kubectl's ``-o json`` output, fed in arbitrary chunks.

    kubectl prints one compact document per line while watching (``--output-watch-events``) and indented
    documents otherwise; which one is told by the character after the first ``{``. A document then ends
    at a newline (compact) or at a line holding only ``}`` (indented: everything inside is indented, and
    JSON strings hold no raw newline), so each byte is scanned a bounded number of times and each
    complete document is decoded exactly once: linear in the output, however it is chunked.
    """

    def __init__(self) -> None:
        self._text = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._json = json.JSONDecoder()
        self._end: str | None = None  # "\n" (compact) or "\n}\n" (indented), once known
        self._pending: list[str] = []
        self._tail = ""  # the last characters fed, for a document end split across chunks
        self.errors = 0

    def feed(self, data: bytes) -> list[Any]:
        text = self._text.decode(data)
        if not text:
            return []
        if self._end is None:
            head = "".join([*self._pending, text]).lstrip()
            if len(head) < 2:
                self._pending.append(text)
                return []
            self._end = "\n}\n" if head[1] in "\r\n" else "\n"
        window = self._tail + text
        self._tail = window[-(len(self._end) - 1) :] if len(self._end) > 1 else ""
        cut = window.rfind(self._end)
        if cut < 0:
            self._pending.append(text)
            return []
        end = cut + len(self._end) - (len(window) - len(text))  # index in ``text`` just past the end
        complete = "".join([*self._pending, text[:end]])
        self._pending = [text[end:]] if end < len(text) else []
        documents = []
        position = 0
        while True:
            space = _SPACE.match(complete, position)
            position = space.end() if space else position
            if position >= len(complete):
                break
            try:
                document, position = self._json.raw_decode(complete, position)
            except ValueError:
                self.errors += 1  # not what kubectl prints: drop the rest of this region
                break
            documents.append(document)
        return documents


def _stamp(value: str | None) -> float | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _version(obj: dict[str, Any]) -> int:
    try:
        return int((obj.get("metadata") or {}).get("resourceVersion") or 0)
    except ValueError:
        return 0


def _ready_since(obj: dict[str, Any], fallback: float) -> float:
    return _stamp(condition(obj, "Ready").get("lastTransitionTime")) or fallback


class Watcher:
    def __init__(
        self,
        kubectl: str,
        kubeconfig: str,
        namespace: str,
        *,
        log: Callable[[str], None] | None = None,
        workdir: Path | None = None,
        reconcile_every: float = 30.0,
        stall_after: float = 60.0,
    ) -> None:
        self._kubectl = kubectl
        self._namespace = namespace
        self._env = {**os.environ, "KUBECONFIG": kubeconfig}
        self._log = log or (lambda message: None)
        self._workdir = workdir or Path(tempfile.mkdtemp(prefix="flowlog-watch-"))
        self.reconcile_every = reconcile_every
        self.stall_after = stall_after
        self.objects: dict[str, Seen] = {}
        self._stats = WatchStats()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._reconciling = threading.Event()
        self._current: _WatchProcess | None = None
        self._lister: subprocess.Popen[bytes] | None = None
        self._listings: list[Listing] = []  # recent, oldest first
        self._absent_since: dict[str, float] = {}
        self._high_version = 0  # the highest resourceVersion seen so far, from the watch or a list
        self._threads = [
            threading.Thread(target=self._watch_loop, name="watch", daemon=True),
            threading.Thread(target=self._reconcile_loop, name="watch-lists", daemon=True),
        ]

    # ----------------------------------------------------------------------------------------- public

    @property
    def events(self) -> int:
        return self._stats.events

    def start(self) -> Watcher:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._reconciling.set()  # wake the list thread
        with self._lock:
            current, lister = self._current, self._lister
        if current is not None:
            self._end(current.process)
        if lister is not None:
            self._end(lister)
        for thread in self._threads:
            thread.join(15)

    def reconciling(self, on: bool) -> None:
        """Run the periodic lists (while a phase waits on the watcher) or not (idle, restart)."""
        if on:
            self._reconciling.set()
        else:
            self._reconciling.clear()
            with self._lock:
                self._listings.clear()
                self._absent_since.clear()

    def counts(self) -> tuple[int, int, int]:
        """(objects seen, objects Active at least once, objects deleted)."""
        with self._lock:
            seen = list(self.objects.values())
        return (
            len(seen),
            sum(1 for s in seen if s.active_at is not None),
            sum(1 for s in seen if s.deleted_at is not None),
        )

    def snapshot(self) -> dict[str, Seen]:
        with self._lock:
            return {name: replace(seen) for name, seen in self.objects.items()}

    def stats(self) -> WatchStats:
        with self._lock:
            return replace(self._stats)

    # ------------------------------------------------------------------------------------------ watch

    def _spawn(self) -> _WatchProcess:
        command = [self._kubectl, "get", "flowlogs", "-n", self._namespace]
        # --chunk-size=0: with more objects than a chunk (500), kubectl prints its initial listing as ONE
        # ADDED event holding the first chunk as a FlowLogList (with a continue token) and never prints
        # the rest; unpaged, it prints one ADDED event per object.
        command += ["--watch", "--output-watch-events", "-o", "json", "--chunk-size=0"]
        with self._lock:
            self._stats.starts += 1
            number = self._stats.starts
        stderr = self._workdir / f"kubectl-watch-{number}.stderr"
        with stderr.open("wb") as err:
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, env=self._env)
        now = time.time()
        return _WatchProcess(process, now, stderr, last_output=now)

    def _watch_loop(self) -> None:
        while not self._stop.is_set():
            current = self._spawn()
            with self._lock:
                self._current = current
            if self._stop.is_set():  # stop() ran while this one was starting
                self._end(current.process)
            assert current.process.stdout is not None
            fd = current.process.stdout.fileno()
            stream = DocumentStream()
            while True:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    break
                now = time.time()
                current.last_output = now
                documents = stream.feed(chunk)
                with self._lock:
                    for document in documents:
                        self._on_event(current, document, now)
                    self._stats.parse_errors += stream.errors
                stream.errors = 0
            current.process.stdout.close()
            code = current.process.wait()
            if self._stop.is_set():
                break
            if not current.stopping:
                with self._lock:
                    self._stats.exits += 1
                self._log(
                    f"    watch: kubectl exited with {code} after {time.time() - current.started:.0f}s"
                    f" ({_tail(current.stderr)}); watching again"
                )
            time.sleep(1.0)

    def _on_event(self, current: _WatchProcess, event: dict[str, Any], now: float) -> None:
        obj = event.get("object") or {}
        if isinstance(obj.get("items"), list):  # a listing printed as one event (see _spawn)
            for item in obj["items"]:
                self._on_event(current, {"type": "ADDED", "object": item}, now)
            if obj.get("metadata", {}).get("continue"):
                self._log("    watch: kubectl printed a partial listing; the lists fill in the rest")
            return
        metadata = obj.get("metadata") or {}
        name = metadata.get("name")
        kind = event.get("type")
        if not name or kind not in {"ADDED", "MODIFIED", "DELETED"}:
            if kind == "ERROR":
                self._log(f"    watch: error event {json.dumps(obj)[:300]}")
            return
        self._stats.events += 1
        version = _version(obj)
        current.versions[name] = max(current.versions.get(name, 0), version)
        self._high_version = max(self._high_version, version)
        seen = self._seen(name, metadata, now)
        if kind == "DELETED":
            current.deleted.add(name)
            self._absent_since.pop(name, None)
            if seen.deleted_at is None:
                seen.deleted_at = now
            return
        if seen.active_at is None and is_active(obj):
            if kind == "ADDED":  # a (re)started kubectl listing what exists: not the transition itself
                seen.active_at, seen.active_via_list = _ready_since(obj, now), True
                self._stats.active_via_list += 1
            else:
                seen.active_at = now

    def _seen(self, name: str, metadata: dict[str, Any], now: float) -> Seen:
        seen = self.objects.get(name)
        if seen is None:
            created = _stamp(metadata.get("creationTimestamp")) or now
            seen = self.objects[name] = Seen(created=created, first_seen=now)
        return seen

    def _end(self, process: subprocess.Popen[bytes]) -> None:
        """Stop a kubectl: SIGTERM, then SIGKILL."""
        if process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)

    # ----------------------------------------------------------------------------------------- lists

    def _reconcile_loop(self) -> None:
        while not self._stop.is_set():
            self._reconciling.wait()
            if self._stop.wait(self.reconcile_every) or not self._reconciling.is_set():
                continue
            listing = self._list()
            if listing is not None and self._reconciling.is_set():
                self._reconcile(listing)

    def _list(self) -> Listing | None:
        started = time.time()
        with self._lock:
            floor = self._high_version  # anything seen before the list began is at or below its revision
        command = [self._kubectl, "get", "flowlogs", "-n", self._namespace, "-o", "json"]
        command.append(f"--chunk-size={LIST_CHUNK}")
        items: list[dict[str, Any]] | None = None
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self._env, start_new_session=True
        )
        with self._lock:
            self._lister = process
        try:
            out, err = process.communicate(timeout=120)
            if process.returncode == 0:
                items = json.loads(out)["items"]
            else:
                reason = err.decode(errors="replace").strip()[-300:] or f"exit {process.returncode}"
        except (subprocess.TimeoutExpired, ValueError, KeyError) as error:
            reason = repr(error)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
            with self._lock:
                self._lister = None
        if self._stop.is_set():
            return None
        if items is None:
            with self._lock:
                self._stats.list_failures += 1
            self._log(f"    watch: list failed ({reason})")
            return None
        listing = Listing(started, {}, {}, floor)
        for obj in items:
            name = obj["metadata"]["name"]
            listing.versions[name] = version = _version(obj)
            listing.max_version = max(listing.max_version, version)
            if is_active(obj):
                listing.active[name] = _ready_since(obj, started)
            with self._lock:
                self._seen(name, obj["metadata"], started)
        with self._lock:
            self._high_version = max(self._high_version, listing.max_version)
        return listing

    def _reconcile(self, listing: Listing) -> None:
        with self._lock:
            self._stats.lists += 1
            for name, seen in self.objects.items():
                if name in listing.versions:
                    self._absent_since.pop(name, None)
                elif seen.first_seen < listing.started and seen.deleted_at is None:
                    self._absent_since.setdefault(name, listing.started)
            self._listings.append(listing)
            cutoff = listing.started - self.stall_after
            due = [old for old in self._listings if old.started <= cutoff]
            if not due:
                return
            reference = due[-1]  # the newest list the watch has had stall_after seconds to catch up with
            self._listings = [old for old in self._listings if old.started >= reference.started]
            behind = self._behind(reference, listing)
            learned = self._adopt(reference, listing)
            current = self._current
        if learned:
            self._log(f"    watch: {learned} state(s) taken from lists the watch had not delivered")
        if not behind or current is None or current.process.poll() is not None:
            return
        quiet = time.time() - current.last_output
        # Still printing: behind, not stuck (a restart would only add a listing of every object to a
        # loaded machine); the lists fill in meanwhile. Silent as well: stuck, so restart it.
        stuck = quiet >= self.reconcile_every
        self._log(
            f"    watch: {len(behind)} change(s) a list showed {time.time() - reference.started:.0f}s ago"
            f" not delivered (e.g. {sorted(behind)[:3]}); last output {quiet:.0f}s ago;"
            f" {_process_state(current)}; {'restarting kubectl' if stuck else 'lagging, not restarted'}"
        )
        with self._lock:
            self._stats.lagging += 1
            self._stats.stalls += stuck
        if stuck:
            current.stopping = "stalled"
            self._end(current.process)

    def _behind(self, reference: Listing, latest: Listing) -> set[str]:
        """Changes ``reference`` showed that the current watch process must have delivered by now."""
        current = self._current
        if current is None or latest.started - current.started < self.stall_after:
            return set()  # a fresh kubectl may still be printing its own listing
        behind = set()
        for name, version in reference.versions.items():
            # Still there now: the watch listed it at or after this version, or saw the change happen.
            if name in latest.versions and current.versions.get(name, 0) < version:
                behind.add(name)
        for name, version in current.versions.items():
            # Gone in both lists, existed when the reference list was taken, and no DELETED arrived.
            gone = name not in reference.versions and name not in latest.versions
            if gone and name not in current.deleted and version <= reference.max_version:
                behind.add(name)
        return behind

    def _adopt(self, reference: Listing, latest: Listing) -> int:
        """Take from the lists what the watch has not delivered in stall_after seconds."""
        learned = 0
        for name, since in reference.active.items():
            seen = self.objects.get(name)
            if seen is not None and seen.active_at is None:
                seen.active_at, seen.active_via_list = since, True
                self._stats.active_via_list += 1
                learned += 1
        for name, since in list(self._absent_since.items()):
            seen = self.objects[name]
            if since <= reference.started and name not in latest.versions and seen.deleted_at is None:
                seen.deleted_at, seen.deleted_via_list = since, True
                self._stats.deleted_via_list += 1
                learned += 1
        return learned


def _process_state(current: _WatchProcess) -> str:
    """kubectl's process state and wait channel, and how many bytes it wrote that we have not read."""
    pid = current.process.pid
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        wchan = Path(f"/proc/{pid}/wchan").read_text().strip() or "-"
    except OSError:
        state, wchan = "?", "?"
    unread = array.array("i", [0])
    try:
        assert current.process.stdout is not None
        fcntl.ioctl(current.process.stdout.fileno(), termios.FIONREAD, unread)
    except (OSError, ValueError, AssertionError):
        unread[0] = -1
    return f"kubectl pid {pid} state {state} wchan {wchan}, {unread[0]} bytes unread in its stdout pipe"


def _tail(path: Path, limit: int = 300) -> str:
    try:
        text = path.read_bytes()[-limit:].decode(errors="replace").strip()
    except OSError:
        return "no stderr"
    return " | ".join(text.splitlines()[-3:]) or "no stderr"
