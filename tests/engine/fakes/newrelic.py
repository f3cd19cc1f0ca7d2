"""A fake New Relic NerdGraph endpoint answering NRQL queries the way NerdGraph does.

`results` maps an NRQL string to its result rows. No `API-Key` header is HTTP 401; a wrong
key is HTTP 200 with a `BAD_API_KEY` error and `data: null`. A query in `failures` comes back
in HTTP 200 with `nrql: null` and that error; one in `warnings` comes back with its rows *and*
that error (partial data); an unknown query is an `INVALID_INPUT` syntax error. Another
account id is an error too. `errors` holds replies to serve before anything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tests.engine.fakes.loopback import Reply, Request, json_reply

_PATH = ["actor", "account", "nrql"]


def graphql_error(message: str, **extensions: Any) -> dict[str, Any]:
    return {"message": message, "path": _PATH, "locations": [{"line": 1, "column": 42}],
            "extensions": extensions}


def failed(error: dict[str, Any], data: Any = None) -> Reply:
    """HTTP 200 with `errors` and `data` null at the nrql field (or as given)."""
    if data is None:
        data = {"actor": {"account": {"nrql": None}}}
    return json_reply({"data": data, "errors": [error]})


@dataclass
class FakeNerdGraph:
    """One account's NRQL answers."""

    key: str = "NRAK-TESTKEY0123456789"
    account: int = 1234567
    results: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    failures: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: dict[str, dict[str, Any]] = field(default_factory=dict)
    window_ms: tuple[int, int] = (1_767_792_600_000, 1_767_794_400_000)
    errors: list[Reply] = field(default_factory=list)

    def __call__(self, request: Request) -> Reply:
        if self.errors:
            return self.errors.pop(0)
        if request.method != "POST" or request.path != "/graphql":
            return json_reply({"errors": [{"message": "Not Found"}]}, 404)
        key = request.headers.get("api-key")
        if not key:
            return json_reply({"errors": [{"message": "Unauthorized"}]}, 401)
        if key != self.key:
            return json_reply({"data": None, "errors": [{
                "message": "Invalid API key", "extensions": {"error_code": "BAD_API_KEY"}}]})
        body = request.json()
        variables = body.get("variables", {})
        if not re.search(r"account\(id: \$accountId\)", body["query"]) or not re.search(
                r"nrql\(query: \$nrql, timeout: \d+\)", body["query"]):
            return failed(graphql_error("Cannot query field", errorClass="INVALID_INPUT"), None)
        if variables.get("accountId") != self.account:
            return failed(graphql_error(f"Account {variables.get('accountId')} not found or "
                                        "not authorized", errorClass="FORBIDDEN"),
                          {"actor": {"account": None}})
        nrql = variables["nrql"]
        if nrql in self.failures:
            return failed(self.failures[nrql])
        if nrql not in self.results:
            word = nrql.split()[2] if len(nrql.split()) > 2 else nrql
            return failed(graphql_error(f"NRQL Syntax Error: Error at line 1 position 8, "
                                        f"unexpected '{word}'", errorClass="INVALID_INPUT"))
        answer: dict[str, Any] = {"data": {"actor": {"account": {"nrql": {
            "results": self.results[nrql],
            "metadata": {"timeWindow": {"begin": self.window_ms[0], "end": self.window_ms[1]},
                         "facets": ["appName"] if "FACET" in nrql else None,
                         "eventTypes": ["Transaction"]}}}}}}
        if nrql in self.warnings:
            answer["errors"] = [self.warnings[nrql]]
        return json_reply(answer)
