"""Run a command against a throw-away PostgreSQL cluster, then remove the cluster.

    python scripts/with-postgres.py pytest -x

Creates a cluster with initdb in a temporary folder, starts it on a free port on
127.0.0.1 (and a socket in the same folder), exports DATABASE_URL for the command, and
stops and deletes everything afterwards, whatever the command's outcome. As root it runs
the server as an unprivileged user, because PostgreSQL refuses to run as root.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile


def find_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    sys.exit(f"{name} not found: install PostgreSQL (e.g. apt-get install postgresql).")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main(command: list[str]) -> int:
    if not command:
        sys.exit(__doc__)
    initdb, pg_ctl = find_tool("initdb"), find_tool("pg_ctl")
    workdir = tempfile.mkdtemp(prefix="coproduce-pg-")
    datadir = os.path.join(workdir, "data")
    as_user: list[str] = []
    if os.geteuid() == 0:
        user = "postgres" if _user_exists("postgres") else "nobody"
        entry = pwd.getpwnam(user)
        os.chown(workdir, entry.pw_uid, entry.pw_gid)
        as_user = ["runuser", "-u", user, "--"]
    port = free_port()
    log = os.path.join(workdir, "server.log")
    try:
        subprocess.run(
            [
                *as_user,
                initdb,
                "-D",
                datadir,
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-sync",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        subprocess.run(
            [
                *as_user,
                pg_ctl,
                "-D",
                datadir,
                "-l",
                log,
                "-w",
                "start",
                "-o",
                f"-p {port} -h 127.0.0.1 -k {workdir} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/postgres"}
        print(f"PostgreSQL running on 127.0.0.1:{port} (data in {datadir})", flush=True)
        return subprocess.run(command, env=env).returncode
    finally:
        subprocess.run(
            [*as_user, pg_ctl, "-D", datadir, "-m", "immediate", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(workdir, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
