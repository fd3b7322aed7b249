"""Which warehouse a collect reads, and how to name it without its secrets.

A :class:`WarehouseTarget` comes from the project's dbt profile (:mod:`.profiles`) or from
``--warehouse`` / ``[paths] warehouse`` (:func:`target_from_value`): a DuckDB file or a
``postgresql://`` URL. Its ``label`` is what every message, note and store row shows: the
profile and target names, the engine, the file or ``user@host:port/database``; never a
password, a token or a key. ``params`` (which may hold them) is left out of ``repr``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from console.errors import InputError

#: Engines the warehouse collector speaks to, by dbt adapter type.
ENGINES = ("duckdb", "postgres", "snowflake", "bigquery")


@dataclass(frozen=True)
class WarehouseTarget:
    """One warehouse connection.

    Attributes:
        engine: one of :data:`ENGINES`.
        label: names the target for people; safe to print and store.
        params: connection parameters as the engine module reads them (secrets included).
        explicit: True when the user named it (``--warehouse`` or configuration), False for the
            project's default dbt profile. An explicit target that cannot be reached is an
            input error (exit 2); the default profile only earns a note.
        source: the file that defined it (``profiles.yml``, ``console.toml``), for messages.
    """

    engine: str
    label: str
    params: Mapping[str, Any] = field(repr=False, default_factory=dict)
    explicit: bool = False
    source: Path | None = None

    def secrets(self) -> list[str]:
        """The secret values of ``params``: scrubbed from any message a driver returns."""
        keys = ("password", "pass", "token", "private_key_passphrase", "keyfile_json", "private_key")
        return [str(self.params[k]) for k in keys if self.params.get(k)]

    def scrub(self, text: str) -> str:
        """``text`` with every secret of this target replaced by ``***``.

        Example:
            >>> t = WarehouseTarget("postgres", "pg", {"password": "hunter2"})
            >>> t.scrub("FATAL: password hunter2 rejected")
            'FATAL: password *** rejected'
        """
        for secret in self.secrets():
            if len(secret) >= 3:
                text = text.replace(secret, "***")
        return text


def url_label(url: str) -> str:
    """A database URL without its password (and without query parameters, which may hold one).

    Example:
        >>> url_label("postgresql://ana:s3cret@db.example:5433/shop?sslmode=require")
        'postgresql://ana@db.example:5433/shop'
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    user = f"{unquote(parts.username)}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


def target_from_value(value: str, *, base: Path, source: Path | None) -> WarehouseTarget:
    """``--warehouse`` / ``[paths] warehouse``: a DuckDB file (relative to ``base``) or a URL.

    Raises:
        InputError: an unsupported URL scheme, or a DuckDB file that does not exist.

    Example:
        >>> t = target_from_value("postgres://ci:pw@localhost/shop", base=Path("."), source=None)
        >>> t.engine, t.label, t.explicit
        ('postgres', 'postgres://ci@localhost/shop', True)
    """
    where = source or "--warehouse"
    if "://" in value:
        scheme = value.split("://", 1)[0].lower()
        if scheme not in ("postgres", "postgresql"):
            raise InputError(where, f"warehouse URL scheme `{scheme}://` is not supported (a DuckDB file or a postgresql:// URL; Snowflake and BigQuery come from a dbt profile)")
        try:
            label = url_label(value)
        except ValueError as e:
            raise InputError(where, f"not a valid database URL: {e}") from None
        password = unquote(urlsplit(value).password or "")
        return WarehouseTarget("postgres", label, {"conninfo": value, "password": password}, explicit=True, source=source)
    path = Path(value).expanduser()
    path = path if path.is_absolute() else base / path
    if not path.is_file():
        raise InputError(path, "warehouse: no DuckDB file here (give a DuckDB file or a postgresql:// URL)")
    return WarehouseTarget("duckdb", f"duckdb {path}", {"path": str(path)}, explicit=True, source=source)
