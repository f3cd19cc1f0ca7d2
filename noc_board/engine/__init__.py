"""The running system, headless: HTTP client, scheduler, hub, and their composition. No Qt."""
