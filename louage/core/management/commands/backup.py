import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone


def database_url():
    return settings.DATABASE_URL


class Command(BaseCommand):
    help = "Back the database up while the app runs (SQLite online backup, or pg_dump)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", default="", help="file to write (default: var/backups/louage-<time>…)"
        )

    def handle(self, *args, output="", **options):
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        vendor = connection.vendor
        suffix = ".sqlite3" if vendor == "sqlite" else ".pgdump"
        target = (
            Path(output) if output else settings.VAR_DIR / "backups" / f"louage-{stamp}{suffix}"
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        if vendor == "sqlite":
            # The online backup API copies a consistent snapshot while writers keep writing.
            source = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=30)
            with sqlite3.connect(target) as copy:
                source.backup(copy)
            source.close()
        elif vendor == "postgresql":
            program = shutil.which("pg_dump")
            if not program:
                raise CommandError("pg_dump is not installed (apt-get install postgresql-client)")
            result = subprocess.run(  # noqa: S603 - our own arguments, no shell
                [program, "--format=custom", "--no-owner", "--file", str(target),
                 database_url()],
                capture_output=True, text=True,
            )  # fmt: skip
            if result.returncode:
                raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        else:
            raise CommandError(f"no backup for the {vendor} database")
        target.chmod(0o600)
        self.stdout.write(str(target))
