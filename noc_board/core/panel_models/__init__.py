"""Pure models of the board's panels beyond the stat tile and the chart (no Qt, no I/O).

Each module turns published state (breakdowns, series, rollup rows, health) into a frozen state a
widget only draws: `bars`, `funnel`, `flow`, `heatmap`, `status`, `clock_face`; plus what several
panels share: `freshness` (age, stale, failing), `thresholds` (rule levels), `compare`
(comparison moments) and `rotation` (the page playlist).
"""
