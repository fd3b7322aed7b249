"""A real PostgreSQL server in a temporary folder, for tests and benchmarks.

``initdb -A trust -U postgres``, then ``pg_ctl start`` on a Unix socket only (no TCP:
``listen_addresses=''``), with ``pg_stat_statements`` preloaded. PostgreSQL refuses to run as
root, so as root the server runs as ``nobody`` (``runuser``) in a folder nobody owns. The
caller stops it (:meth:`PgServer.stop`, also on failure: use a fixture finalizer).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def pg_bin() -> Path | None:
    """The folder of the newest installed PostgreSQL binaries, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    folder: Path
    port: int
    bin: Path
    preload: bool = True  # shared_preload_libraries=pg_stat_statements

    @property
    def socket_dir(self) -> str:
        return str(self.folder)

    def url(self, dbname: str = "postgres", user: str = "postgres", password: str | None = None) -> str:
        secret = f":{password}" if password else ""
        return f"postgresql://{user}{secret}@/{dbname}?host={self.folder}&port={self.port}"

    def _as_owner(self, *args: str) -> list[str]:
        return ["runuser", "-u", "nobody", "--", *args] if os.geteuid() == 0 else list(args)

    def start(self) -> None:
        log = self.folder / "server.log"
        preload = " -c shared_preload_libraries=pg_stat_statements" if self.preload else ""
        opts = f"-p {self.port} -k {self.folder} -c listen_addresses=''{preload} -c fsync=off"
        subprocess.run(self._as_owner(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-o", opts, "-l", str(log), "-w", "start"),
                       check=True, capture_output=True, timeout=60)

    def stop(self) -> None:
        subprocess.run(self._as_owner(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop"),
                       capture_output=True, timeout=60)

    def psql(self, sql: str, dbname: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(host=self.socket_dir, port=self.port, user="postgres", dbname=dbname, autocommit=True) as con:
            con.execute(sql)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def start_server(preload: bool = True) -> PgServer:
    """A new running server (raises when PostgreSQL is not installed or does not start);
    ``preload=False``: without pg_stat_statements in ``shared_preload_libraries``."""
    binary = pg_bin()
    if binary is None:
        raise RuntimeError("PostgreSQL is not installed (/usr/lib/postgresql/*/bin)")
    folder = Path(tempfile.mkdtemp(prefix="pgw", dir="/tmp"))
    folder.chmod(0o755)
    server = PgServer(folder, _free_port(), binary, preload)
    if os.geteuid() == 0:
        shutil.chown(folder, "nobody", "nogroup")
    try:
        subprocess.run(server._as_owner(str(binary / "initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", "postgres", "--no-sync"),
                       check=True, capture_output=True, timeout=120)
        server.start()
    except BaseException:
        server.stop()
        server.remove()
        raise
    return server
