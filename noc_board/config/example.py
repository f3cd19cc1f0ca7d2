"""A complete, valid example configuration, shown in the reference and checked by the tests."""

from __future__ import annotations

EXAMPLE_CONFIG = """\
# NOC Board configuration (TOML). Check it with: noc-board check-config config.toml

[board]
title = "Marketplace NOC"
timezone = "Europe/Berlin"
theme = "dark"
operators = ["alice", "bob"]
rotate = "30s"

[[sources]]
name = "prom"
kind = "prometheus"
url = "http://prometheus.internal:9090"
interval = "15s"

[[sources]]
name = "stripe"
kind = "stripe"
url = "https://api.stripe.com"
interval = "1m"
auth = "bearer"
secret = "stripe-api-key"       # run: noc-board secrets set stripe-api-key
currency = "EUR"

[[sources]]
name = "ga4"
kind = "ga4"
url = "https://analyticsdata.googleapis.com"
interval = "1m"
auth = "bearer"
secret = "ga4-token"
property_id = "123456789"

[[metrics]]
id = "health.checkout.error_rate"
source = "prom"
label = "Checkout errors"
query = 'job:http_errors:ratio_rate5m{job="checkout"}'   # a recording rule
unit = "ratio"
good = "down"

[[metrics]]
id = "health.checkout.p95"
source = "prom"
label = "Checkout p95"
query = '''histogram_quantile(0.95,
  sum by (le) (rate(http_request_duration_seconds_bucket{job="checkout"}[5m])))'''
unit = "seconds"
good = "down"

[[metrics]]
id = "sales.orders"
source = "stripe"
label = "Orders"
measure = "orders"
good = "up"

[[metrics]]
id = "sales.revenue"
source = "stripe"
label = "Revenue"
measure = "revenue"
unit = "money"
good = "up"

[[metrics]]
id = "users.active"
source = "ga4"
label = "Active users"
measure = "activeUsers"
good = "up"

[[pages]]
name = "Overview"

[[pages.panels]]
kind = "stat"
metrics = ["users.active"]
x = 0
w = 6

[[pages.panels]]
kind = "stat"
metrics = ["sales.orders"]
x = 6
w = 6

[[pages.panels]]
kind = "timeseries"
title = "Revenue today"
metrics = ["sales.revenue"]
x = 12
w = 12
window = "24h"

[[pages]]
name = "Health"

[[pages.panels]]
kind = "timeseries"
title = "Checkout"
metrics = ["health.checkout.error_rate", "health.checkout.p95"]
w = 24
h = 6

[[rules]]
id = "checkout-errors"
metric = "health.checkout.error_rate"
op = "above"
level = 0.05
clear = 0.02
hold = "2m"
severity = "critical"
route = "tech"
summary = "Checkout is failing"

[[rules]]
id = "no-orders"
metric = "sales.orders"
op = "below"
level = 1
hold = "30m"
route = "customer-service"
summary = "No orders for half an hour"

[[routes]]
name = "tech"
notify = ["tech-oncall-webhook"]   # a keyring name: the Apprise URL holds a token

[[routes]]
name = "customer-service"
notify = ["json://hooks.internal:8080/noc-board"]   # no secret in it: a URL is fine
"""
