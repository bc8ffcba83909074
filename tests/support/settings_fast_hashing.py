"""Settings of live test servers that an attack tool hits with thousands of failed logins:
MD5 hashes instead of Argon2, so that a login costs microseconds rather than a third of a
second of CPU (Argon2 is slow on purpose). Everything else is production's."""

from louage.settings import *  # noqa: F403

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
