"""The engine side of rules: metadata and registry, YAML rule packs, scopes, examples."""
