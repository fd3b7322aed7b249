"""The terminal UI's screens, one per file; each subclasses :class:`~console.tui.screens.base.ConsoleScreen`."""
