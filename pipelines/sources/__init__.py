"""Platform sources: one folder per platform, listed in `registry.SOURCES`."""
