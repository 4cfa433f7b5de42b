"""Logic rules, one module per rule family. Every module in this package is imported by the registry."""
