"""API keys of the analytics service: created (printed once), stored only as salted scrypt hashes, revoked.

    python -m objectiv_dbt.service.keys create --role manager --name alice     (make api-key ROLE=... NAME=...)
    python -m objectiv_dbt.service.keys revoke --name alice                    (make api-key-revoke NAME=...)
    python -m objectiv_dbt.service.keys list

A key reads `okpi_<id>_<secret>`: the id (public, 12 hex) finds the stored record, the secret (192 random
bits) is checked against its scrypt hash with a constant-time compare. The file (KPI_API_KEYS_FILE, default
`.api_keys.json` in the project, gitignored, mode 0600) holds names, roles, salts and hashes, never a key.
A verified key is remembered in memory (by its SHA-256) until the file changes, so scrypt's deliberate
slowness is paid once per key and process, not per request; revoking changes the file, which clears that.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
import tempfile
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from objectiv_dbt.settings import PROJECT_DIR

KEY_PATTERN = re.compile(r"^okpi_([0-9a-f]{12})_([0-9a-f]{48})$")
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
ROLE_PATTERN = re.compile(r"^[a-z][a-z_]{0,31}$")
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
READER_ROLES = ("root", "manager")  # the roles seed 003 authorizes for the analytics endpoints


def keys_file() -> Path:
    return Path(os.environ.get("KPI_API_KEYS_FILE", PROJECT_DIR / ".api_keys.json")).resolve()


def _hash(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, **SCRYPT)


@dataclass(frozen=True)
class StoredKey:
    key_id: str
    name: str
    role: str
    salt: str
    hash: str
    created_at: str
    revoked_at: str | None = None

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(_hash(secret, bytes.fromhex(self.salt)), bytes.fromhex(self.hash))


class KeyCommandError(Exception):
    """A key command that cannot be done (one line for the user)."""


class KeyStore:
    """The keys file: create, revoke, list, and verify presented keys (thread-safe, cached per file version)."""

    def __init__(self, path: Path | None = None):
        self.path = path or keys_file()
        self._lock = threading.Lock()
        self._signature: tuple | None = None
        self._records: dict[str, StoredKey] = {}
        self._verified: dict[bytes, StoredKey] = {}
        self._checking: dict[str, threading.Lock] = {}

    # -- the file ----------------------------------------------------------------------------------
    def _read(self) -> dict[str, StoredKey]:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        return {record["key_id"]: StoredKey(**record) for record in data.get("keys", [])}

    def _write(self, records: dict[str, StoredKey]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        with os.fdopen(descriptor, "w") as handle:  # mkstemp creates it with mode 0600
            json.dump({"keys": [asdict(record) for record in records.values()]}, handle, indent=2)
        os.replace(temporary, self.path)

    def _locked(self):
        """An exclusive lock on a file beside the keys file: two commands never lose each other's change."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(f"{self.path}.lock", "w")
        fcntl.flock(handle, fcntl.LOCK_EX)
        return handle

    # -- commands ----------------------------------------------------------------------------------
    def create(self, name: str, role: str) -> str:
        """A new key for name with role; returns the key (shown once, never stored)."""
        if not NAME_PATTERN.match(name):
            raise KeyCommandError(f"NAME must be 1-64 letters, digits or _.@- (got {name!r})")
        if not ROLE_PATTERN.match(role):
            raise KeyCommandError(f"ROLE must be a lower-case word such as manager, root or backend (got {role!r})")
        with self._locked():
            records = self._read()
            if any(record.name == name and record.revoked_at is None for record in records.values()):
                raise KeyCommandError(f"an active key named {name} exists: revoke it first (make api-key-revoke NAME={name})")
            key_id, secret, salt = secrets.token_hex(6), secrets.token_hex(24), secrets.token_bytes(16)
            records[key_id] = StoredKey(key_id, name, role, salt.hex(), _hash(secret, salt).hex(),
                                        datetime.now(UTC).isoformat(timespec="seconds"))
            self._write(records)
        return f"okpi_{key_id}_{secret}"

    def revoke(self, name: str) -> int:
        """Revokes every active key of name; returns how many."""
        with self._locked():
            records = self._read()
            active = [record for record in records.values() if record.name == name and record.revoked_at is None]
            if not active:
                raise KeyCommandError(f"no active key named {name} in {self.path}")
            now = datetime.now(UTC).isoformat(timespec="seconds")
            for record in active:
                records[record.key_id] = StoredKey(**{**asdict(record), "revoked_at": now})
            self._write(records)
        return len(active)

    def records(self) -> list[StoredKey]:
        return list(self._read().values())

    # -- verification ------------------------------------------------------------------------------
    def _refresh(self) -> None:
        """Re-reads the file when it changed (a created or revoked key), forgetting verified keys."""
        try:
            status = self.path.stat()
            signature = (status.st_ino, status.st_mtime_ns, status.st_size)
        except FileNotFoundError:
            signature = None
        if signature != self._signature:
            self._records, self._verified, self._signature = self._read(), {}, signature

    def known(self, key: str) -> StoredKey | None:
        """The stored key if this key has been verified and the file not changed since (cheap: no scrypt)."""
        fingerprint = hashlib.sha256(key.encode()).digest()
        with self._lock:
            self._refresh()
            return self._verified.get(fingerprint)

    def verify(self, key: str) -> StoredKey | None:
        """The active stored key the presented key is, or None (unknown, wrong secret or revoked).
        The key must match KEY_PATTERN (check that first for a clearer message)."""
        key_id, secret = KEY_PATTERN.match(key).groups()
        fingerprint = hashlib.sha256(key.encode()).digest()
        with self._lock:
            self._refresh()
            record = self._records.get(key_id)
            if fingerprint in self._verified or record is None or record.revoked_at is not None:
                return self._verified.get(fingerprint)
            checking = self._checking.setdefault(key_id, threading.Lock())
        with checking:  # the first requests with a new key arrive together: one scrypt, the others wait for it
            with self._lock:
                if fingerprint in self._verified:
                    return self._verified[fingerprint]
            if not record.matches(secret):
                return None
            with self._lock:
                if self._records.get(key_id) == record:  # not revoked meanwhile
                    self._verified[fingerprint] = record
        return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m objectiv_dbt.service.keys", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a key and print it (once)")
    create.add_argument("--name", required=True, help="who or what uses the key")
    create.add_argument("--role", required=True, help="root, manager (may read the analytics), backend, ...")
    commands.add_parser("revoke", help="revoke the keys of a name").add_argument("--name", required=True)
    commands.add_parser("list", help="names, roles, dates (no keys: they are not stored)")
    arguments = parser.parse_args(argv)
    store = KeyStore()
    try:
        if arguments.command == "create":
            key = store.create(arguments.name, arguments.role)
            print(key)
            note = "" if arguments.role in READER_ROLES else f"; role {arguments.role} may not call the analytics endpoints"
            print(f"API key for {arguments.name} (role {arguments.role}) created in {store.path}: "
                  f"it is shown only now, store it safely{note}", file=sys.stderr)
        elif arguments.command == "revoke":
            count = store.revoke(arguments.name)
            print(f"revoked {count} key(s) of {arguments.name}", file=sys.stderr)
        else:
            for record in store.records():
                state = f"revoked {record.revoked_at}" if record.revoked_at else "active"
                print(f"{record.name:<24} {record.role:<10} created {record.created_at}  {state}")
    except KeyCommandError as error:
        print(f"api-key: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
