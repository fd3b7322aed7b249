"""Widgets shared by the terminal UI's screens, one per file."""
