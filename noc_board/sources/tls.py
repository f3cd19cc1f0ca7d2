"""TLS for sources: a verification context from `ca_file` / `insecure`, and certificate expiry.

`tls_context` builds the `ssl.SSLContext` a source with a private CA (or verification turned
off) needs; since one `httpx.AsyncClient` has one `verify`, such a source gets a client of its
own (`HttpFetcher.dedicated_client`). `cert_not_after` reads a certificate's expiry straight
from its DER bytes (a few lines of ASN.1, no third-party package), so the expiry is known even
of a certificate that failed verification; `peer_certificate` fetches one over a separate,
unverified handshake for exactly that case.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from datetime import UTC, datetime

from noc_board.sources.base import SourceError, one_line

_SEQUENCE = 0x30
_UTC_TIME = 0x17
_GENERALIZED_TIME = 0x18


def tls_context(ca_file: str, insecure: bool) -> ssl.SSLContext | None:
    """The context for these options, or None for the system's default verification.

    With `ca_file` only the CAs in that PEM file are trusted (a private CA, or a self-signed
    server certificate itself). `insecure` turns verification off altogether. A file that
    cannot be read or holds no certificate is a SourceError naming it.
    """
    if insecure:
        return unverified_context()
    if not ca_file:
        return None
    try:
        return ssl.create_default_context(cafile=ca_file)
    except FileNotFoundError:
        raise SourceError(f"CA file {ca_file!r} does not exist") from None
    except (ssl.SSLError, ValueError) as exc:  # SSLError is an OSError: first
        reason = exc.reason if isinstance(exc, ssl.SSLError) and exc.reason else str(exc)
        raise SourceError(
            f"CA file {ca_file!r} holds no usable PEM certificate: {one_line(reason, 80)}"
        ) from None
    except OSError as exc:
        raise SourceError(f"cannot read CA file {ca_file!r}: {exc.strerror or exc}") from None


def unverified_context() -> ssl.SSLContext:
    """A client context that completes any handshake, to look at a certificate it distrusts."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _read(der: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the DER element at `pos`."""
    if pos + 2 > len(der):
        raise ValueError("truncated DER")
    tag = der[pos]
    length = der[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or pos + count > len(der):
            raise ValueError("bad DER length")
        length = int.from_bytes(der[pos:pos + count], "big")
        pos += count
    end = pos + length
    if end > len(der):
        raise ValueError("truncated DER")
    return tag, pos, end


def _time(tag: int, text: bytes) -> float:
    raw = text.decode("ascii")
    if not raw.endswith("Z"):
        raise ValueError("certificate time is not in UTC")
    if tag == _UTC_TIME:  # YYMMDDHHMM[SS]Z; RFC 5280: YY >= 50 is 19YY
        year = int(raw[:2])
        raw = f"{1900 + year if year >= 50 else 2000 + year}{raw[2:]}"
    elif tag != _GENERALIZED_TIME:
        raise ValueError("not a certificate time")
    fmt = "%Y%m%d%H%M%SZ" if len(raw) == 15 else "%Y%m%d%H%MZ"
    return datetime.strptime(raw, fmt).replace(tzinfo=UTC).timestamp()


def cert_not_after(der: bytes) -> float:
    """Unix seconds of the `notAfter` of an X.509 certificate in DER; ValueError if malformed.

    Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber,
    signature, issuer, validity SEQUENCE { notBefore, notAfter }, ... }, ... }
    """
    tag, start, _ = _read(der, 0)
    if tag != _SEQUENCE:
        raise ValueError("not a certificate")
    tag, pos, _ = _read(der, start)  # tbsCertificate
    if tag != _SEQUENCE:
        raise ValueError("not a certificate")
    if der[pos] == 0xA0:  # explicit version
        pos = _read(der, pos)[2]
    for _ in range(3):  # serialNumber, signature, issuer
        pos = _read(der, pos)[2]
    tag, pos, _ = _read(der, pos)
    if tag != _SEQUENCE:
        raise ValueError("no validity in the certificate")
    pos = _read(der, pos)[2]  # notBefore
    tag, start, end = _read(der, pos)
    return _time(tag, der[start:end])


def days_left(der: bytes, now: float) -> float:
    """Days (fractional, negative once expired) until the certificate in `der` expires."""
    return (cert_not_after(der) - now) / 86400.0


async def peer_certificate(host: str, port: int, limit: float) -> bytes | None:
    """The DER certificate `host:port` presents over an unverified handshake, within `limit`
    seconds; None if none."""
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(limit):
            _, writer = await asyncio.open_connection(
                host, port, ssl=unverified_context(), server_hostname=host or None
            )
            ssl_object = writer.get_extra_info("ssl_object")
            der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
            return der if isinstance(der, bytes) else None
    except (OSError, TimeoutError, ssl.SSLError, ValueError):
        return None
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError, ssl.SSLError, TimeoutError):
                async with asyncio.timeout(1.0):
                    await writer.wait_closed()
