"""The pure core: samples, series, units, rules and the alarm state machine. No Qt, no I/O."""
