"""Target populations (presets, target.yaml, joint census tables) and UN M49 regions."""
