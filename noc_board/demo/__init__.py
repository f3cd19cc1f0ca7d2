"""The demo marketplace: a deterministic simulator and a loopback server in real wire formats."""
