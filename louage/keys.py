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

    Several processes may start at once (web workers, the task worker): the file appears
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


def vapid_key_pair(secret: str) -> tuple[str, str]:
    """A Web Push (VAPID) P-256 key pair derived from a secret, both halves base64url as the
    browsers' `applicationServerKey` and the push tools write them: (private scalar, public
    uncompressed point)."""
    import base64

    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # P-256's n
    seed = int.from_bytes(hashlib.sha256(f"louage:webpush-vapid:{secret}".encode()).digest())
    scalar = seed % (order - 1) + 1
    private = ec.derive_private_key(scalar, ec.SECP256R1())
    point = private.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)

    def b64(raw):
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return b64(scalar.to_bytes(32, "big")), b64(point)


def vapid_public_key(private: str) -> str:
    """The public half (base64url uncompressed point) of a base64url VAPID private scalar;
    ValueError when it is not one."""
    import base64

    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = base64.urlsafe_b64decode(private + "=" * (-len(private) % 4))
    if len(raw) != 32:
        raise ValueError("a VAPID private key is 32 bytes, base64url")
    key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    point = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(point).rstrip(b"=").decode()
