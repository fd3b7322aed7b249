"""Collectors: the only code that reads files outside the store.

Each collector reads one kind of source and returns normalised polars frames whose columns are
those of a store table (:data:`console.store.schema.TABLES`); :mod:`collectors.pipeline` runs
them and hands the frames to the store in one transaction. Collectors raise
:class:`console.errors.InputError` naming the file and the problem on bad input.
"""
