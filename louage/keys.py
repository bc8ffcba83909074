"""Secret keys: one random secret per installation, a separate key derived for each purpose.

Nothing here comes from the repository. In development the installation secret is made on
first use under the var directory (mode 600); in production it comes from the environment.
Imported by settings.py, so it must not import Django.
"""

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_FILE_NAME = "secret_key"  # noqa: S105 - a file name, not a secret
MIN_LENGTH = 50


def installation_secret(var_dir: Path) -> str:
    """The installation's random secret, created on first use and readable by its owner only.

    Several processes may start at once (gunicorn workers, the task worker): the file appears
    complete or not at all (written aside, then hard-linked into place), and the first one
    to link it wins."""
    path = Path(var_dir) / SECRET_FILE_NAME
    value = _read(path)
    if value:
        return value
    spare = path.with_name(f".{SECRET_FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(64) + "\n")
    try:
        os.link(spare, path)
    except FileExistsError:
        pass  # another process made it first: use theirs
    finally:
        os.unlink(spare)
    value = _read(path)
    if not value:
        raise RuntimeError(f"could not read the installation secret in {path}")
    return value


def _read(path: Path) -> str:
    try:
        value = path.read_text().strip()
    except FileNotFoundError:
        return ""
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)  # a secret others could read is tightened, not trusted less
    return value


def derive_key(master: str, purpose: str) -> str:
    """A key for one purpose: knowing it reveals neither the master nor the other keys."""
    return hmac.new(master.encode(), f"louage:{purpose}".encode(), hashlib.sha256).hexdigest()


def is_weak(key: str) -> bool:
    """Django's own test for a usable secret key: long, varied, not a placeholder."""
    return len(key) < MIN_LENGTH or len(set(key)) < 5 or key.startswith("django-insecure")
