"""Alarm rules, one module per kind; each turns points (and the passage of time) into verdicts.

`base` holds the common protocol (`Rule`, `Decision`, `TickContext`), `history` the
`HistoryProvider` through which seasonal baselines read the past, and `factory.build_rule`
turns a `RuleConfig` into a rule. Everything here is pure: no I/O, no clock; callers pass times.
This package imports nothing at import time, so `core.threshold` can use `rules.base`.
"""
