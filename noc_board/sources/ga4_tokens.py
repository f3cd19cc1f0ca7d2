"""GA4 access tokens from a service-account key file, with google-auth, off the event loop.

`google.oauth2.service_account.Credentials` signs a JWT with the key and trades it at the key
file's `token_uri` for an access token that lasts about an hour (api-facts.md section 5).
google-auth has no async httpx transport, so loading the key and refreshing run in a worker
thread (`asyncio.to_thread`) through a small httpx-based transport; the loop only awaits. A
token is renewed five minutes before it expires (by the injected clock), or at once after the
API refused it (`invalidate`, on a 401). google-auth (and the cryptography it loads, ~50 ms) is
imported in that worker thread on the first refresh, never while the board starts.
"""

from __future__ import annotations

import asyncio
import functools
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from noc_board.core.clock import Clock
from noc_board.sources.base import SourceError, one_line

if TYPE_CHECKING:
    from google.oauth2 import service_account

SCOPE = "https://www.googleapis.com/auth/analytics.readonly"
REFRESH_MARGIN = 300.0


@functools.cache
def _request_class() -> type[Any]:
    """`HttpxRequest`, made on first use so that google-auth is imported then (lazily)."""
    import google.auth.exceptions
    import google.auth.transport

    class _Response(google.auth.transport.Response):
        """What google-auth reads of an HTTP answer."""

        def __init__(self, status: int, headers: dict[str, str], data: bytes) -> None:
            self._status, self._headers, self._data = status, headers, data

        @property
        def status(self) -> int:
            return self._status

        @property
        def headers(self) -> dict[str, str]:
            return self._headers

        @property
        def data(self) -> bytes:
            return self._data

    class HttpxRequest(google.auth.transport.Request):
        """google-auth's transport interface over a short-lived synchronous httpx client (it
        runs in a worker thread, never on the event loop)."""

        def __init__(self, timeout: float) -> None:
            self._timeout = timeout

        def __call__(
            self, url: str, method: str = "GET", body: Any = None,
            headers: Any = None, timeout: Any = None, **kwargs: Any,
        ) -> _Response:
            try:
                with httpx.Client(timeout=timeout or self._timeout) as client:
                    reply = client.request(method, url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                raise google.auth.exceptions.TransportError(  # type: ignore[no-untyped-call]
                    one_line(str(exc), 160)) from exc
            return _Response(reply.status_code, dict(reply.headers), reply.content)

    return HttpxRequest


class ServiceAccountTokens:
    """A `TokenProvider` (see `ga4`) for a service-account JSON key file."""

    def __init__(self, key_file: str | Path, clock: Clock, *, timeout: float = 10.0,
                 margin: float = REFRESH_MARGIN) -> None:
        self._path = Path(key_file).expanduser()
        self._clock = clock
        self._timeout = timeout
        self._margin = margin
        self._creds: service_account.Credentials | None = None
        self._token = ""
        self._expiry = 0.0  # unix seconds
        self._job: asyncio.Future[None] | None = None
        self.refreshes = 0

    async def token(self) -> str:
        """A current token, renewed in a worker thread when it is missing or about to expire."""
        if not self._token or self._clock.now() >= self._expiry - self._margin:
            job = self._job
            if job is None or job.done():
                job = self._job = asyncio.ensure_future(asyncio.to_thread(self._renew))
                # a poll cancelled while waiting must not leave the outcome unread
                job.add_done_callback(lambda f: f.cancelled() or f.exception())
            await asyncio.shield(job)
        return self._token

    def invalidate(self) -> None:
        """The API refused the token (401): make a new one next time."""
        self._expiry = 0.0

    def _renew(self) -> None:
        """Load the key (once) and trade it for a token. Runs in a worker thread."""
        import google.auth.exceptions

        if self._creds is None:
            self._creds = self._load()
        creds = self._creds
        where = _host(str(getattr(creds, "_token_uri", "")))
        try:
            creds.refresh(_request_class()(self._timeout))  # type: ignore[no-untyped-call]
        except google.auth.exceptions.RefreshError as exc:
            said = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
            raise SourceError(f"GA4 service-account token refused by {where}: "
                              f"{one_line(said, 160)}") from None
        except google.auth.exceptions.TransportError as exc:
            raise SourceError(f"cannot reach the token endpoint {where}: "
                              f"{one_line(str(exc), 160)}") from None
        except (ValueError, TypeError) as exc:  # a key that cannot sign
            raise SourceError(f"the GA4 key file {self._path.name} cannot sign: "
                              f"{type(exc).__name__}") from None
        token = creds.token
        if not isinstance(token, str) or not token:
            raise SourceError(f"the token endpoint {where} gave no access token")
        expiry = creds.expiry
        self._token = token
        self._expiry = (expiry.replace(tzinfo=UTC).timestamp() if expiry is not None
                        else self._clock.now() + 3600.0)
        self.refreshes += 1

    def _load(self) -> service_account.Credentials:
        from google.oauth2 import service_account

        try:
            creds: service_account.Credentials = (
                service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
                    str(self._path), scopes=[SCOPE]))
        except FileNotFoundError:
            raise SourceError(f"the GA4 key file {self._path} does not exist") from None
        except OSError as exc:
            raise SourceError(f"cannot read the GA4 key file {self._path}: "
                              f"{exc.strerror or type(exc).__name__}") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise SourceError(f"{self._path} is not a service-account key file: "
                              f"{one_line(str(exc), 120)}") from None
        return creds


def _host(url: str) -> str:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return "the token endpoint"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.host}{port}" if parsed.host else "the token endpoint"
