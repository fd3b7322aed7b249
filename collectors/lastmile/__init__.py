"""Last-mile collectors: business logic that lives outside dbt, read into items.

One module per tool or format, each using the format's own parser (never regular expressions
on SQL or code):

* :mod:`.reverse_etl` - Hightouch and Census models and syncs (YAML, JSON, Census SQL);
* :mod:`.dbt_sync` - dbt models the project marks as sync outputs;
* :mod:`.lookml_parse` and :mod:`.lookml` - LookML with ``lkml`` (substitutions resolved across
  files), :mod:`.lookml_filters` for Looker filter expressions, :mod:`.lookml_cache` for
  re-resolving only what a change touches;
* :mod:`.metabase` - Metabase questions, native (templating resolved) and GUI (MBQL filters);
* :mod:`.python_code` - SQL strings and dataframe filters in Python (``ast``);
* :mod:`.javascript` - SQL strings in JavaScript and TypeScript (tree-sitter);
* :mod:`.notebooks` - Jupyter notebooks (``nbformat``);
* :mod:`.structured` - YAML/JSON loading with line numbers, and telling the tool of a document;
* :mod:`.sqltext` - whether a string is SQL (sqlglot), DB-API placeholders;
* :mod:`.discover` - which files to read, and the reader of each;
* :mod:`.owners` - CODEOWNERS and git (one ``git log`` per checkout);
* :mod:`.model` - the item and skip dicts every reader returns.

The phase that runs them in a collect, with the parse cache, is
:mod:`collectors.lastmile_phase`. The contract with the rest of the console is the store table
``lastmile_artifacts`` (see ``console/store/schema.py``).
"""

from collectors.lastmile.model import TOOLS, item, skip

__all__ = ["TOOLS", "item", "skip"]
