"""Streaming request bodies for the API server: chunked transfer decoding and ``multipart/form-data`` parts.

The standard library has no streaming multipart parser (``cgi`` is gone in 3.13, ``email`` reads everything), and
``add`` must take files far larger than memory, so parts are read through a sliding buffer: at most one read
window plus the boundary length is held at a time.
"""

from __future__ import annotations

from io import BufferedIOBase
from typing import Protocol
from urllib.parse import unquote

__all__ = ["BodyError", "ChunkedReader", "LengthReader", "MultipartReader", "Part", "boundary_of"]

_READ = 64 * 1024
_MAX_HEADER = 16 * 1024


class BodyError(Exception):
    """The request body is malformed or ended early (answered with HTTP 400)."""


class _Reader(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class LengthReader:
    """Reads exactly ``Content-Length`` bytes from the socket file."""

    def __init__(self, rfile: BufferedIOBase, length: int) -> None:
        self._rfile = rfile
        self._left = length

    def read(self, size: int = -1, /) -> bytes:
        if self._left <= 0:
            return b""
        want = self._left if size < 0 else min(size, self._left)
        data = self._rfile.read(want)
        if not data:
            raise BodyError(f"the request body ended {self._left} bytes before its Content-Length")
        self._left -= len(data)
        return data


class ChunkedReader:
    """Decodes ``Transfer-Encoding: chunked`` (Go's HTTP client streams uploads this way)."""

    def __init__(self, rfile: BufferedIOBase) -> None:
        self._rfile = rfile
        self._left = 0
        self._done = False

    def _line(self) -> bytes:
        line = self._rfile.readline(1024)
        if not line.endswith(b"\n"):
            raise BodyError("malformed chunked request body")
        return line.rstrip(b"\r\n")

    def read(self, size: int = -1, /) -> bytes:
        if self._done:
            return b""
        if self._left == 0:
            header = self._line().split(b";", 1)[0].strip()
            try:
                self._left = int(header, 16)
            except ValueError:
                raise BodyError(f"bad chunk size {header[:20]!r} in a chunked request body") from None
            if self._left == 0:
                while self._line():  # trailer fields, up to the blank line
                    pass
                self._done = True
                return b""
        want = self._left if size < 0 else min(size, self._left)
        data = self._rfile.read(want)
        if not data:
            raise BodyError("the chunked request body ended early")
        self._left -= len(data)
        if self._left == 0 and self._line():
            raise BodyError("a chunk of the request body is longer than announced")
        return data


def boundary_of(content_type: str) -> bytes | None:
    """The boundary parameter of a ``multipart/form-data`` Content-Type, or None."""
    kind, _, params = content_type.partition(";")
    if kind.strip().lower() != "multipart/form-data":
        return None
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.lower() == "boundary" and value:
            return value.strip('"').encode("latin-1")
    return None


class Part:
    """One part of a multipart body: its headers (lower-case names) and a ``read`` over its content."""

    def __init__(self, reader: MultipartReader, headers: dict[str, str]) -> None:
        self._reader = reader
        self.headers = headers
        self.done = False

    @property
    def content_type(self) -> str:
        """The part's Content-Type (``application/octet-stream`` when absent)."""
        return self.headers.get("content-type", "application/octet-stream").split(";")[0].strip().lower()

    @property
    def filename(self) -> str:
        """The ``filename`` of its Content-Disposition, URL-decoded (Kubo clients escape ``/``), or ``""``."""
        disposition = self.headers.get("content-disposition", "")
        for param in disposition.split(";")[1:]:
            name, _, value = param.strip().partition("=")
            if name.lower() == "filename":
                return unquote(value.strip().strip('"'))
        return ""

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes of the part (all the rest when ``size < 0``); ``b""`` at its end."""
        if size < 0:
            return b"".join(iter(lambda: self._reader.read_part(self, _READ), b""))
        return self._reader.read_part(self, size)


class MultipartReader:
    """Iterate the parts of a ``multipart/form-data`` body with :meth:`next_part`."""

    def __init__(self, source: _Reader, boundary: bytes) -> None:
        self._source = source
        self._delim = b"\r\n--" + boundary
        # The first boundary has no CRLF before it; pretend it had one so every delimiter looks alike.
        self._buf = bytearray(b"\r\n")
        self._eof = False
        self._current: Part | None = None
        self._finished = False
        self._started = False

    def _fill(self, size: int) -> None:
        while len(self._buf) < size and not self._eof:
            data = self._source.read(max(_READ, size - len(self._buf)))
            if not data:
                self._eof = True
            else:
                self._buf += data

    def _find_delim(self) -> None:
        """Discard bytes up to and including the next delimiter (the preamble before the first one)."""
        while True:
            self._fill(len(self._delim) + _READ)
            idx = self._buf.find(self._delim)
            if idx >= 0:
                del self._buf[: idx + len(self._delim)]
                return
            if self._eof:
                raise BodyError("the multipart body has no boundary where one was announced")
            keep = len(self._delim) - 1
            del self._buf[: len(self._buf) - keep]

    def next_part(self) -> Part | None:
        """The next part (the previous one is skipped over if unread), or None after the last."""
        if self._finished:
            return None
        if self._current is not None:
            while self.read_part(self._current, _READ):
                pass
            del self._buf[: len(self._delim)]
        elif not self._started:
            self._find_delim()
        self._started = True
        self._fill(2)
        if self._buf[:2] == b"--":
            self._finished = True
            return None
        # transport padding (spaces, tabs) may follow a boundary before its CRLF
        self._fill(_MAX_HEADER)
        end = self._buf.find(b"\r\n\r\n")
        if end < 0:
            raise BodyError("a multipart part's headers are missing or too long")
        head = bytes(self._buf[:end]).lstrip(b" \t")
        del self._buf[: end + 4]
        lines = head.split(b"\r\n")
        if lines and lines[0] == b"":
            lines = lines[1:]
        headers: dict[str, str] = {}
        for raw in lines:
            name, sep, value = raw.decode("utf-8", "replace").partition(":")
            if not sep:
                raise BodyError(f"malformed multipart header line {raw[:60]!r}")
            headers[name.strip().lower()] = value.strip()
        self._current = Part(self, headers)
        return self._current

    def read_part(self, part: Part, size: int) -> bytes:
        """Read from ``part`` (which must be the current part)."""
        if part.done or part is not self._current:
            return b""
        want = max(size, 1)
        self._fill(want + len(self._delim))
        idx = self._buf.find(self._delim)
        if idx >= 0:
            take = min(idx, want)
            if take == idx:
                part.done = True
        else:
            if self._eof:
                raise BodyError("the multipart body ended inside a part (no closing boundary)")
            take = min(len(self._buf) - (len(self._delim) - 1), want)
        out = bytes(memoryview(self._buf)[:take])
        del self._buf[:take]
        return out
