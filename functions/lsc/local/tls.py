"""A throwaway certificate authority for simulators on loopback.

Collectors are tested with certificate verification on, as in production (a per-cluster CA
bundle), never with `verify=False`: the CA is generated at start and its PEM handed to clients.
One `LocalCA` can serve any number of simulators; its server context is built once.
"""
from __future__ import annotations

import ssl
from functools import cached_property
from pathlib import Path

import trustme

LEAF_IDENTITIES = ("127.0.0.1", "localhost")


class LocalCA:
    def __init__(self) -> None:
        self._ca = trustme.CA(organization_name="lsc local simulator CA")
        self._leaf = self._ca.issue_cert(*LEAF_IDENTITIES, common_name="localhost")

    @property
    def ca_pem(self) -> str:
        return self._ca.cert_pem.bytes().decode("ascii")

    @cached_property
    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._leaf.configure_cert(context)
        return context

    def client_context(self) -> ssl.SSLContext:
        """What a collector configured with this CA bundle would use."""
        return ssl.create_default_context(cadata=self.ca_pem)

    def write_server_pem(self, path: str | Path) -> Path:
        """The leaf's private key and certificate chain, for simulators in another process
        (`ServerCertificate`); a throwaway key, but written for the owner only."""
        target = Path(path)
        target.touch(mode=0o600)
        self._leaf.private_key_and_cert_chain_pem.write_to_path(str(target))
        return target

    def write_ca_pem(self, path: str | Path) -> Path:
        target = Path(path)
        target.write_text(self.ca_pem, encoding="ascii")
        return target


class ServerCertificate:
    """A `LocalCA`'s leaf loaded from `LocalCA.write_server_pem` in another process: what
    `SimulatorServer(tls=...)` serves with (the wrong-ca fault makes its own CA)."""

    def __init__(self, pem_path: str | Path) -> None:
        self._path = str(pem_path)

    @cached_property
    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self._path)
        return context
