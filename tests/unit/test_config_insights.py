"""`check-config` on breakdown metrics (`by`) and on `[insights]`: every problem as
file:line: key: message, like the other reference checks."""

from __future__ import annotations

import textwrap

import pytest

from noc_board.config.loader import ConfigError, ConfigIssue, parse_config

FILE = "board.toml"

BASE = """\
[[sources]]
name = "prom"
kind = "prometheus"
url = "http://127.0.0.1:9090"

[[sources]]
name = "dd"
kind = "datadog"
url = "http://127.0.0.1:9091"
secret = "dd-api"
secret2 = "dd-app"

[[sources]]
name = "nr"
kind = "newrelic"
url = "http://127.0.0.1:9092"
secret = "nr-key"
account_id = "1234567"

[[sources]]
name = "ga"
kind = "ga4"
url = "http://127.0.0.1:9093"
property_id = "123"

[[metrics]]
id = "route_p95"
source = "prom"
by = "route"
query = 'histogram_quantile(0.95, sum by (le, route) (rate(x_bucket[5m])))'

[[metrics]]
id = "route_rps"
source = "prom"
by = "route"
query = 'sum by (route) (rate(http_requests_total[5m]))'

[[metrics]]
id = "route_5xx"
source = "dd"
query = "sum:trace.http.request.errors{*} by {resource_name}.as_rate()"

[[metrics]]
id = "route_404"
source = "nr"
query = "SELECT rate(count(*), 1 second) FROM Transaction WHERE httpResponseCode = '404' facet name"

[[metrics]]
id = "flow"
source = "ga"
kpi = "behaviour.flow"
measure = "behaviour_flow"

[[metrics]]
id = "requests"
source = "prom"
query = 'sum(rate(http_requests_total[5m]))'

[[metrics]]
id = "db"
source = "prom"
query = 'max(pool_in_use_ratio)'
"""

INSIGHTS = """
[insights]
route_latency = "route_p95"
route_requests = "route_rps"
route_5xx = "route_5xx"
route_404 = "route_404"
flow = "flow"
load = "requests"

[[insights.capacity]]
name = "Checkout database"
metric = "db"
limit = 0.85
"""


def issues(text: str) -> list[ConfigIssue]:
    with pytest.raises(ConfigError) as caught:
        parse_config(textwrap.dedent(text), FILE)
    return caught.value.errors


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def only(text: str) -> ConfigIssue:
    found = issues(text)
    assert len(found) == 1, [str(i) for i in found]
    return found[0]


def test_a_complete_insights_table_is_valid() -> None:
    config = parse_config(BASE + INSIGHTS, FILE)
    assert config.insights.route_latency == "route_p95" and config.insights.flow == "flow"
    assert config.metric("route_p95") is not None
    assert [c.metric for c in config.insights.capacity] == ["db"]


@pytest.mark.parametrize("key", ["route_latency", "route_requests", "route_5xx", "route_404",
                                 "flow", "load"])
def test_every_metric_insights_names_must_exist(key: str) -> None:
    text = BASE + INSIGHTS.replace(f'\n{key} = "', f'\n{key} = "x')
    issue = only(text)
    assert (issue.key, issue.line) == (f"insights.{key}", line_of(text, f"{key} = "))
    assert issue.message.startswith("unknown metric 'x")
    assert str(issue).startswith(f"{FILE}:{issue.line}: insights.{key}: unknown metric")


def test_a_misspelt_metric_gets_a_suggestion() -> None:
    issue = only(BASE + INSIGHTS.replace('route_latency = "route_p95"',
                                         'route_latency = "route_p59"'))
    assert issue.message == "unknown metric 'route_p59'; did you mean 'route_p95'?"


def test_capacity_metric_and_load_must_exist_and_the_limit_be_positive() -> None:
    text = BASE + INSIGHTS + textwrap.dedent("""
        [[insights.capacity]]
        name = "App servers"
        metric = "cpu"
        load = "users"
        limit = 0
        """)
    found = issues(text)
    assert [(i.key, i.line, i.message) for i in found] == [
        ("insights.capacity[1].metric", line_of(text, 'metric = "cpu"'),
         "unknown metric 'cpu'"),
        ("insights.capacity[1].load", line_of(text, 'load = "users"'),
         "unknown metric 'users'"),
        ("insights.capacity[1].limit", line_of(text, "limit = 0", 2),  # after 0.85
         "a limit is above 0, e.g. 0.85 (85 % of a ratio), not 0"),
    ]


def test_capacity_names_are_unique_and_need_a_load() -> None:
    text = BASE + INSIGHTS.replace('load = "requests"\n', "") + textwrap.dedent("""
        [[insights.capacity]]
        name = "Checkout database"
        metric = "db"
        load = "requests"
        """)
    found = issues(text)
    assert [(i.key, i.message) for i in found] == [
        ("insights.capacity[0].load",
         "no load to project against: name its metric here or as [insights] load (no "
         "metric shows kpi users.active_now)"),
        ("insights.capacity[1].name", "duplicate capacity name 'Checkout database'"),
    ]
    assert found[0].line == line_of(text, "[[insights.capacity]]")  # the table: no key there
    # a metric of users on site is the load by default
    users = '\n[[metrics]]\nid = "users"\nsource = "ga"\nkpi = "users.active_now"\n' \
            'measure = "active_users"\n'
    assert only(text + users).key == "insights.capacity[1].name"


@pytest.mark.parametrize("key", ["route_latency", "route_requests", "route_5xx", "route_404"])
def test_a_route_metric_must_be_a_breakdown(key: str) -> None:
    text = BASE + INSIGHTS.replace(f'{key} = "', f'{key} = "requests" #')
    issue = only(text)
    assert (issue.key, issue.line) == (f"insights.{key}", line_of(text, f"{key} = "))
    assert issue.message == (
        "metric 'requests' has one value, not a row per route: give it by = \"route\" "
        "(Prometheus), or group its query by route (Datadog: by {route}; New Relic: FACET "
        "route)")


def test_the_flow_must_be_a_breakdown() -> None:
    issue = only(BASE + INSIGHTS.replace('flow = "flow"', 'flow = "db"'))
    assert issue.key == "insights.flow" and "not a row per transition" in issue.message


@pytest.mark.parametrize(("source", "extra", "hint"), [
    ("dd", 'query = "avg:x{*}"', "a Datadog query groups by itself"),
    ("nr", 'query = "SELECT count(*) FROM Transaction"', "an NRQL query groups by itself"),
    ("ga", 'measure = "active_users"', "a ga4 source has no labels"),
])
def test_by_is_only_for_prometheus_queries(source: str, extra: str, hint: str) -> None:
    text = BASE + f'\n[[metrics]]\nid = "m"\nsource = "{source}"\nby = "route"\n{extra}\n'
    issue = only(text)
    assert (issue.key, issue.line) == ("metrics[7].by", line_of(text, 'by = "route"', 3))
    assert issue.message.startswith("only a Prometheus query is read by label; " + hint)


def test_by_is_a_label_name_of_a_query() -> None:
    text = BASE + '\n[[metrics]]\nid = "m"\nsource = "prom"\nby = "9route"\nquery = "up"\n'
    issue = only(text)
    assert issue.key == "metrics[7].by" and issue.line == line_of(text, 'by = "9route"')
    assert issue.message.startswith("'9route' is not a label name")
    targets = BASE + ('\n[[metrics]]\nid = "m"\nsource = "prom"\nby = "job"\n'
                      'measure = "targets_up"\n')
    issue = only(targets)
    assert issue.key == "metrics[7].by"
    assert issue.message == ("the measure 'targets_up' has no series to read by label; "
                             "`by` needs a query")


def test_a_bad_source_is_reported_once_not_again_by_the_insights() -> None:
    text = BASE.replace('source = "dd"', 'source = "ddd"') + INSIGHTS
    issue = only(text)
    assert issue.key == "metrics[2].source"
