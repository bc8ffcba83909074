"""Production's Argon2 hasher, counting the passwords it hashes: a test sees how much hashing
work an answer cost without timing it (timings on a shared machine are noisy)."""

import threading

from django.contrib.auth.hashers import Argon2PasswordHasher

_lock = threading.Lock()
_count = 0


class CountingArgon2PasswordHasher(Argon2PasswordHasher):
    # The same algorithm name: hashes it writes are ordinary Argon2 hashes.
    def encode(self, password, salt):
        global _count
        with _lock:
            _count += 1
        return super().encode(password, salt)


def hashes_made():
    return _count
