import grp
import os
import pwd
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

TEMPLATES = Path(settings.BASE_DIR) / "deploy" / "systemd"


def render(*, user, group, env_file, root=None, python=None):
    """{unit file name: text} of the repository's systemd units for this installation."""
    values = {
        "USER": user,
        "GROUP": group,
        "ENV_FILE": str(env_file),
        "ROOT": str(root or settings.BASE_DIR),
        "PYTHON": str(python or sys.executable),
    }
    units = {}
    for template in sorted(TEMPLATES.glob("*.template")):
        text = template.read_text()
        for name, value in values.items():
            text = text.replace("{{ " + name + " }}", value)
        units[template.name.removesuffix(".template")] = text
    return units


class Command(BaseCommand):
    help = (
        "Write the systemd units of this installation (louage-migrate, louage-web@PORT, "
        "louage-worker@N, louage-scheduler, louage-relay, louage.target) into a directory."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output-dir", default="/etc/systemd/system")
        parser.add_argument("--user", default="louage", help="the account the roles run as")
        parser.add_argument("--group", default="", help="default: the user's primary group")
        parser.add_argument(
            "--env-file", default="/etc/louage/louage.env",
            help="the environment (KEY=value lines: SECRET_KEY, DATABASE_URL, SITE_URL...)",
        )  # fmt: skip

    def handle(self, *args, output_dir, user, group, env_file, **options):
        try:
            account = pwd.getpwnam(user)
        except KeyError:
            raise CommandError(f"no user {user!r}: create it first (adduser --system)") from None
        group = group or grp.getgrgid(account.pw_gid).gr_name
        target = Path(output_dir)
        if not target.is_dir():
            raise CommandError(f"{target} is not a directory")
        for name, text in render(user=user, group=group, env_file=env_file).items():
            (target / name).write_text(text)
            os.chmod(target / name, 0o644)
            self.stdout.write(str(target / name))
