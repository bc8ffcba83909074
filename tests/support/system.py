"""Skip (locally) or fail (under CI) when a Debian package a test needs is missing."""

import os

import pytest


def missing_system_package(package, detail=""):
    message = f"needs the Debian package `{package}` (apt-get install {package}){': ' + detail if detail else ''}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must not skip: {message}", pytrace=False)
    pytest.skip(message)
