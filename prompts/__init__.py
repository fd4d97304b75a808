"""Prompt templates (Jinja2), the core-ideas catalogue and the candidate interface document, shipped as package data."""
