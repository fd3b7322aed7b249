"""The data-ops observability console.

Packages:
    console     the command line, report renderers and (next) the terminal UI; the store module.
    collectors  read the outside world (dbt files and artifacts, last-mile files, query logs)
                into normalised frames that the store writes.
    rules       judge the store and yield findings.
"""

__version__ = "0.1.0"
TOOL_NAME = "console"
