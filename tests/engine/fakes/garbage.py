"""Hypothesis strategies for hostile responses: any JSON, near-miss shapes, raw bytes.

A connector fed these must answer with a PollResult or a SourceError, nothing else.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from tests.engine.fakes.loopback import Reply

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["NaN", "+Inf", "-Inf", "1e-07", "42", "", "1_000", "0x10"])
)
any_json = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=16,
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the plausible value, one time in eight anything at all."""
    return st.integers(0, 7).flatmap(lambda roll: any_json if roll == 0 else strategy)


RETRY_AFTER = st.sampled_from(
    ["", "5", "abc", "-1", "1e400", "nan", "Wed, 21 Oct 2015 07:28:00 GMT", "99999"]
)


@st.composite
def replies(draw: st.DrawFn, shaped: st.SearchStrategy[Any]) -> Reply:
    """A reply whose body is the shaped near-miss JSON, any JSON, or raw bytes."""
    kind = draw(st.sampled_from(["shaped", "shaped", "shaped", "json", "bytes"]))
    if kind == "bytes":
        body: bytes = draw(st.binary(max_size=64))
    else:
        value = draw(shaped if kind == "shaped" else any_json)
        body = json.dumps(value).encode()
    status = draw(st.sampled_from([200] * 8 + [400, 401, 403, 422, 429, 500, 503]))
    ctype = draw(st.sampled_from(["application/json", "application/json; charset=UTF-8",
                                  "text/plain", "text/html"]))
    headers = {}
    if draw(st.booleans()):
        headers["Retry-After"] = draw(RETRY_AFTER)
    if draw(st.booleans()):
        headers["Stripe-Should-Retry"] = draw(st.sampled_from(["true", "false", "maybe"]))
    return Reply(status, body, ctype, headers)
