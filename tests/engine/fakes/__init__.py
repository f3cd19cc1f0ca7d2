"""Small loopback fake servers speaking the documented wire formats, for connector tests."""
