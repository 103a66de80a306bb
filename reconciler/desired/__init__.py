"""Desired state: label files in YAML turned into the canonical model, with findings."""
