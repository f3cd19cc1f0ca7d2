"""Test certificates made on the spot, and a loopback server that speaks HTTPS with them.

Certificates come from the `cryptography` package when it is installed (it is on Linux: keyring
needs it through SecretStorage), else from the `openssl` command line. Every leaf is for
127.0.0.1 and localhost. `issue(..., ca=None)` makes a self-signed certificate.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import shutil
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.engine.fakes.loopback import Handler, LoopbackServer


@dataclass(frozen=True)
class CertFiles:
    """A certificate and its key, as PEM files, and when it expires (unix seconds)."""

    cert: Path
    key: Path
    not_after: float


def issue(directory: Path, name: str, ca: CertFiles | None, days: float,
          *, is_ca: bool = False) -> CertFiles:
    """A certificate valid from a day ago for `days` from now (negative: already expired)."""
    try:
        import cryptography  # noqa: F401
    except ImportError:
        return _issue_openssl(directory, name, ca, days, is_ca)
    return _issue_cryptography(directory, name, ca, days, is_ca)


def make_ca(directory: Path) -> CertFiles:
    return issue(directory, "ca", None, 3650, is_ca=True)


def server_context(certs: CertFiles) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certs.cert, certs.key)
    return context


def _issue_cryptography(directory: Path, name: str, ca: CertFiles | None, days: float,
                        is_ca: bool) -> CertFiles:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"noc-board test {name}")])
    if ca is None:
        issuer, signer = subject, key
    else:
        ca_cert = x509.load_pem_x509_certificate(ca.cert.read_bytes())
        ca_key = serialization.load_pem_private_key(ca.key.read_bytes(), password=None)
        assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
        issuer, signer = ca_cert.subject, ca_key
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    not_after = now + dt.timedelta(days=days)
    builder = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(min(now, not_after) - dt.timedelta(days=1)).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    )
    if not is_ca:
        builder = builder.add_extension(x509.SubjectAlternativeName([
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False)
    else:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
    cert = builder.sign(signer, hashes.SHA256())
    paths = CertFiles(directory / f"{name}.pem", directory / f"{name}.key", not_after.timestamp())
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                            serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    return paths


def _issue_openssl(directory: Path, name: str, ca: CertFiles | None, days: float,
                   is_ca: bool) -> CertFiles:
    openssl = shutil.which("openssl")
    if openssl is None or days < 1:
        pytest.skip("needs the cryptography package (or openssl, for unexpired certificates)")
    whole = int(days)
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    ext = "basicConstraints=critical,CA:TRUE" if is_ca else \
        "subjectAltName=IP:127.0.0.1,DNS:localhost"
    subj = f"/CN=noc-board test {name}"
    if ca is None:
        subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out",
                        str(cert), "-days", str(whole), "-subj", subj, "-addext", ext],
                       check=True, capture_output=True)
    else:
        csr = directory / f"{name}.csr"
        extfile = directory / f"{name}.ext"
        extfile.write_text(ext + "\n", encoding="utf-8")
        subprocess.run([openssl, "req", "-new", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out",
                        str(csr), "-subj", subj], check=True, capture_output=True)
        subprocess.run([openssl, "x509", "-req", "-in", str(csr), "-CA", str(ca.cert),
                        "-CAkey", str(ca.key), "-CAcreateserial", "-out", str(cert),
                        "-days", str(whole), "-extfile", str(extfile)],
                       check=True, capture_output=True)
    not_after = ssl.cert_time_to_seconds(
        subprocess.run([openssl, "x509", "-in", str(cert), "-noout", "-enddate"], check=True,
                       capture_output=True, text=True).stdout.strip().split("=", 1)[1])
    return CertFiles(cert, key, float(not_after))


class TlsLoopbackServer(LoopbackServer):
    """A `LoopbackServer` on HTTPS: `async with TlsLoopbackServer(handler, certs) as s:`."""

    def __init__(self, handler: Handler, certs: CertFiles) -> None:
        super().__init__(handler)
        self._context = server_context(certs)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    async def __aenter__(self) -> TlsLoopbackServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0,
                                                  ssl=self._context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self
