"""An incremental HTTP/1.1 response parser (RFC 9112), fed whatever bytes arrive.

It holds no socket and no event loop: `feed()` takes any slice of the byte stream (a
whole response, or one byte at a time) and says when the response is complete. The
framing rules are RFC 9112 §6.3: no body after HEAD or for 1xx/204/304; else
`Transfer-Encoding: chunked`; else `Content-Length`; else the body runs to the close.

Repeated header lines of one name are joined with ", " (RFC 9110 §5.3 makes that
equivalent for list-valued fields). `Set-Cookie` is the documented exception to that
rule; venue REST APIs do not use cookies, so it is joined too.
"""

from __future__ import annotations

import re
import zlib

# a status line plus headers larger than this is not a venue's REST answer
MAX_HEAD_BYTES = 64 * 1024
# a chunk-size line or one trailer line: hex size plus extensions
MAX_LINE_BYTES = 8 * 1024

_HEAD, _LENGTH, _CHUNK_SIZE, _CHUNK_DATA, _TRAILERS, _UNTIL_CLOSE, _DONE = range(7)
_HEX = frozenset(b"0123456789abcdefABCDEF")
# RFC 9110 §5.1/§5.5: a field is token ":" OWS value OWS; one regex checks the whole
# block at once, far cheaper than checking each line in Python
_TOKEN_CHARS = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_TOKEN = re.compile(_TOKEN_CHARS)
_FIELD_BLOCK = re.compile(rf"(?:{_TOKEN_CHARS}:[^\r\n]*+\r\n)*+")


class MalformedResponse(Exception):
    """The bytes are not an HTTP/1.1 response this client can frame."""


class Headers(dict[str, str]):
    """Response headers with lower-cased names; lookups ignore case."""

    __slots__ = ()

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return dict.get(self, key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return dict.__getitem__(self, key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and dict.__contains__(self, key.lower())


class ResponseParser:
    """One response on one connection. After `feed()` or `feed_eof()` returns True,
    `status`, `headers`, `body` and `keep_alive` are final."""

    __slots__ = (
        "_buf",
        "_chunks",
        "_head_request",
        "_left",
        "_scan",
        "_state",
        "body",
        "headers",
        "keep_alive",
        "received_any",
        "status",
    )

    def __init__(self, *, head_request: bool = False) -> None:
        self._buf = bytearray()
        self._scan = 0  # where the search for the end of the head resumes
        self._state = _HEAD
        self._left = 0
        self._chunks: list[bytes] = []
        self._head_request = head_request
        self.status = 0
        self.headers = Headers()
        self.body = b""
        self.keep_alive = True
        self.received_any = False

    @property
    def reads_until_close(self) -> bool:
        return self._state == _UNTIL_CLOSE

    def feed(self, data: bytes) -> bool:
        """Take the next bytes; True once the whole response has arrived."""
        if data:
            self.received_any = True
        buf = self._buf
        if not buf and self._state == _HEAD:
            data = self._take_whole_head(data)
            if self._state == _LENGTH and len(data) == self._left:
                self._finish(data)  # the common case: the whole answer in one read
                return True
        buf += data
        while True:
            state = self._state
            if state == _HEAD:
                if not self._take_head(buf):
                    return False
            elif state == _LENGTH:
                if len(buf) < self._left:
                    return False
                self._finish(bytes(buf[: self._left]))
                del buf[: self._left]
            elif state == _CHUNK_SIZE:
                if not self._take_chunk_size(buf):
                    return False
            elif state == _CHUNK_DATA:
                if len(buf) < self._left + 2:
                    return False
                if buf[self._left : self._left + 2] != b"\r\n":
                    raise MalformedResponse("chunk data not followed by CRLF")
                self._chunks.append(bytes(buf[: self._left]))
                del buf[: self._left + 2]
                self._state = _CHUNK_SIZE
            elif state == _TRAILERS:
                if not self._take_trailer(buf):
                    return False
            elif state == _UNTIL_CLOSE:
                return False
            else:
                break
        if buf:
            # bytes past the end of the framed response: the next answer on this
            # connection could not be told apart from them
            self.keep_alive = False
            buf.clear()
        return True

    def feed_eof(self) -> bool:
        """The server closed the connection: True if that ended a close-delimited body."""
        if self._state != _UNTIL_CLOSE:
            return self._state == _DONE
        self._finish(bytes(self._buf))
        self._buf.clear()
        return True

    # -- head --------------------------------------------------------------------------
    def _take_whole_head(self, data: bytes) -> bytes:
        """Parse a head that starts a read, without copying it: what is left over."""
        end = data.find(b"\r\n\r\n")
        if end < 0:
            return data
        self._parse_head(data[:end].decode("latin-1"))
        return data[end + 4 :]

    def _take_head(self, buf: bytearray) -> bool:
        end = buf.find(b"\r\n\r\n", self._scan)
        if end < 0:
            if len(buf) > MAX_HEAD_BYTES:
                raise MalformedResponse(f"response head exceeds {MAX_HEAD_BYTES} bytes")
            self._scan = max(0, len(buf) - 3)
            return False
        head = bytes(buf[:end]).decode("latin-1")
        del buf[: end + 4]
        self._scan = 0
        self._parse_head(head)
        return True

    def _parse_head(self, head: str) -> None:
        status_line, _, block = head.partition("\r\n")
        version, _, rest = status_line.partition(" ")
        code = rest[:3]
        if (
            version not in ("HTTP/1.1", "HTTP/1.0")
            or not (code.isascii() and code.isdigit())
            or rest[3:4] not in ("", " ")
        ):
            raise MalformedResponse(f"bad status line {status_line[:80]!r}")
        status = int(code)
        headers = _parse_fields(block)
        if 100 <= status < 200:
            if status == 101:
                raise MalformedResponse("101 Switching Protocols to a request that asked none")
            return  # interim answer (RFC 9110 §15.2): the final one follows on the wire
        self.status = status
        self.headers = headers
        self.keep_alive = _keep_alive(version, headers)
        self._state = self._framing(status, headers)

    def _framing(self, status: int, headers: Headers) -> int:
        if self._head_request or status in (204, 304):
            self._finish(b"")
            return _DONE
        te = dict.get(headers, "transfer-encoding")
        if te is not None:
            if [c.strip().lower() for c in te.split(",")] != ["chunked"]:
                # no TE header is sent, so only chunked may come (RFC 9112 §7.4)
                raise MalformedResponse(f"unsupported Transfer-Encoding {te!r}")
            if "content-length" in headers:
                # both present is a smuggling signature (RFC 9112 §6.3 rule 3): TE wins,
                # and the connection is not trusted for another request
                self.keep_alive = False
            return _CHUNK_SIZE
        cl = dict.get(headers, "content-length")
        if cl is not None:
            values = {v.strip() for v in cl.split(",")}
            value = values.pop()
            if values or not (value.isascii() and value.isdigit()):
                raise MalformedResponse(f"bad Content-Length {cl!r}")
            self._left = int(value)
            return _LENGTH
        self.keep_alive = False
        return _UNTIL_CLOSE

    # -- chunked -----------------------------------------------------------------------
    def _take_chunk_size(self, buf: bytearray) -> bool:
        end = buf.find(b"\r\n")
        if end < 0:
            if len(buf) > MAX_LINE_BYTES:
                raise MalformedResponse("chunk-size line too long")
            return False
        # chunk extensions (";name=value") carry nothing we use (RFC 9112 §7.1.1)
        size = bytes(buf[:end]).split(b";", 1)[0].strip(b" \t")
        del buf[: end + 2]
        if not size or not _HEX.issuperset(size):
            raise MalformedResponse(f"bad chunk size {size[:20]!r}")
        self._left = int(size, 16)
        self._state = _CHUNK_DATA if self._left else _TRAILERS
        return True

    def _take_trailer(self, buf: bytearray) -> bool:
        end = buf.find(b"\r\n")
        if end < 0:
            if len(buf) > MAX_LINE_BYTES:
                raise MalformedResponse("trailer line too long")
            return False
        line = bytes(buf[:end])
        del buf[: end + 2]
        if not line:
            self._finish(b"".join(self._chunks))
            self._chunks = []
            return True
        # trailers are checked for shape and dropped: RFC 9110 §6.5.1 forbids merging
        # them into the header section, and no venue sends one worth reading
        name, sep, _ = line.partition(b":")
        if not sep or not name or name != name.strip():
            raise MalformedResponse(f"bad trailer line {line[:80]!r}")
        return True

    def _finish(self, body: bytes) -> None:
        self.body = _decode(body, self.headers) if body else body
        self._state = _DONE


def _parse_fields(block: str) -> Headers:
    """The header section after the status line, without its final blank line."""
    if not block:
        return Headers()
    block += "\r\n"
    if _FIELD_BLOCK.fullmatch(block) is None:
        return _parse_unusual_fields(block)
    fields: dict[str, str] = {}
    for line in block.split("\r\n")[:-1]:
        name, _, value = line.partition(":")
        key = name.lower()
        value = value.strip(" \t")
        old = fields.get(key)
        fields[key] = value if old is None else f"{old}, {value}"
    return Headers(fields)


def _parse_unusual_fields(block: str) -> Headers:
    """The slow path: folded lines are unfolded, anything else off-grammar is refused."""
    headers: dict[str, str] = {}
    last = ""
    for line in block.split("\r\n")[:-1]:
        if "\r" in line or "\n" in line:
            raise MalformedResponse(f"bare CR or LF in header line {line[:80]!r}")
        if line[:1] in (" ", "\t"):
            # obsolete line folding: a recipient replaces it with a space (RFC 9112 §5.2)
            if not last:
                raise MalformedResponse("folded header line with nothing to continue")
            headers[last] = headers[last] + " " + line.strip(" \t")
            continue
        name, sep, value = line.partition(":")
        # a field name is a token, with no whitespace before its colon (RFC 9112 §5.1)
        if not sep or _TOKEN.fullmatch(name) is None:
            raise MalformedResponse(f"bad header line {line[:80]!r}")
        last = name.lower()
        value = value.strip(" \t")
        old = headers.get(last)
        headers[last] = value if old is None else f"{old}, {value}"
    return Headers(headers)


def _keep_alive(version: str, headers: Headers) -> bool:
    tokens = dict.get(headers, "connection")
    options = {t.strip().lower() for t in tokens.split(",")} if tokens else set()
    if version == "HTTP/1.0":
        return "keep-alive" in options
    return "close" not in options


def _decode(body: bytes, headers: Headers) -> bytes:
    """Undo a content coding the server applied although `identity` was asked for."""
    coding = dict.get(headers, "content-encoding")
    if coding is None:
        return body
    coding = coding.strip().lower()
    try:
        if coding in ("", "identity"):
            return body
        if coding in ("gzip", "x-gzip"):
            return zlib.decompress(body, 16 + zlib.MAX_WBITS)
        if coding == "deflate":
            # "deflate" is zlib-wrapped (RFC 9110 §8.4.1.2); some servers send it raw
            try:
                return zlib.decompress(body)
            except zlib.error:
                return zlib.decompress(body, -zlib.MAX_WBITS)
    except zlib.error as exc:
        raise MalformedResponse(f"body does not decode as {coding}: {exc}") from exc
    raise MalformedResponse(f"unsupported Content-Encoding {coding!r}")
