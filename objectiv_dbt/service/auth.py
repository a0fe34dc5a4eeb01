"""The API-key check as a FastAPI dependency, reusable by any route: `Depends(require_roles("root", "manager"))`.

A key comes in `Authorization: Bearer <key>` or `X-API-Key: <key>`. Missing, malformed, unknown or revoked:
401; a valid key whose role may not call the route: 403. The key is never logged nor echoed in a message.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from objectiv_dbt.service.keys import KEY_PATTERN, READER_ROLES, KeyStore

# declared for the OpenAPI docs ("Authorize" at /docs); the header is parsed below for precise messages
_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <API key>")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="X-API-Key: <API key>")


class Principal(NamedTuple):
    """Who called: the key's name and role."""

    name: str
    role: str


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


def presented_key(request: Request) -> str:
    """The key of the request (Authorization: Bearer first, then X-API-Key), checked for its form only."""
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, key = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise _unauthorized("malformed Authorization header: send `Authorization: Bearer <API key>`")
        key = key.strip()
    else:
        key = (request.headers.get("x-api-key") or "").strip()
        if not key:
            raise _unauthorized("missing API key: send `Authorization: Bearer <key>` or `X-API-Key: <key>` "
                                "(create one with `make api-key ROLE=manager NAME=<you>`)")
    if not KEY_PATTERN.match(key):
        raise _unauthorized("malformed API key (expected okpi_<12 hex>_<48 hex>)")
    return key


def require_roles(*roles: str) -> Callable[..., Principal]:
    """A dependency admitting callers whose key has one of the roles."""

    async def check(request: Request, _bearer_credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
                    _header_key: str | None = Depends(_api_key)) -> Principal:
        key = presented_key(request)
        store: KeyStore = request.app.state.keys
        stored = store.known(key) or await run_in_threadpool(store.verify, key)  # scrypt off the event loop
        if stored is None:
            raise _unauthorized("unknown or revoked API key")
        if stored.role not in roles:
            raise HTTPException(403, f"role {stored.role} may not call this endpoint (allowed: {', '.join(roles)})")
        return Principal(stored.name, stored.role)

    return check


analytics_reader = require_roles(*READER_ROLES)
