import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = "Restore a backup made by `backup` into the configured database (stop the app first)."

    def add_arguments(self, parser):
        parser.add_argument("backup", help="file written by `manage.py backup`")
        parser.add_argument("--yes", action="store_true", help="replace the data without asking")

    def handle(self, *args, backup, yes=False, **options):
        source = Path(backup)
        if not source.is_file():
            raise CommandError(f"no such backup: {source}")
        if not yes:
            answer = input(f"Replace every row of {connection.settings_dict['NAME']}? [y/N] ")
            if answer.strip().lower() not in {"y", "yes", "o", "oui"}:
                raise CommandError("nothing restored")
        connection.close()
        if connection.vendor == "sqlite":
            with sqlite3.connect(source) as copy:
                if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise CommandError("the backup file is damaged")
                with sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=30) as db:
                    copy.backup(db)
        elif connection.vendor == "postgresql":
            program = shutil.which("pg_restore")
            if not program:
                raise CommandError(
                    "pg_restore is not installed (apt-get install postgresql-client)"
                )
            result = subprocess.run(  # noqa: S603 - our own arguments, no shell
                [program, "--clean", "--if-exists", "--no-owner", "--single-transaction",
                 "--dbname", settings.DATABASE_URL, str(source)],
                capture_output=True, text=True,
            )  # fmt: skip
            if result.returncode:
                raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
        else:
            raise CommandError(f"no restore for the {connection.vendor} database")
        self.stdout.write(f"restored {source}")
