"""Orbat Map: military deployments over time, with their sources."""
