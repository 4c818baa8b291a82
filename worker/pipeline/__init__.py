"""A round's stages: `runner.advance` runs the current one; `stages` holds their work."""
