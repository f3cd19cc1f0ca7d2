"""Configuration: the typed schema, TOML loading with precise errors, locations and secrets."""
