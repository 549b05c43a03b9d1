"""rapport pipelines: platform sources, validation, and loading into the canonical warehouse."""
