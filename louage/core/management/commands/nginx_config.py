import re
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

TEMPLATE = Path(settings.BASE_DIR) / "deploy" / "nginx" / "louage.conf.template"
# `http2 on;` came with nginx 1.25.1; before it (Debian 12 has 1.22) HTTP/2 is a flag of
# `listen`, which later versions still accept with a deprecation warning.
HTTP2_DIRECTIVE_SINCE = (1, 25, 1)


def installed_nginx_version(binary=None):
    """(major, minor, patch) of this machine's nginx, or None when there is none."""
    binary = binary or shutil.which("nginx") or "/usr/sbin/nginx"
    try:
        result = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=10)  # noqa: S603
    except OSError:
        return None
    found = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", result.stderr + result.stdout)
    return tuple(int(part) for part in found.groups()) if found else None


def parse_version(text):
    parts = text.strip().split(".")
    if not 2 <= len(parts) <= 3 or not all(part.isdigit() for part in parts):
        raise ValueError(f"not an nginx version: {text!r} (e.g. 1.22.1)")
    return tuple(int(part) for part in [*parts, "0"][:3])


def render(*, upstreams, listen, server_name, static_root, media_root, tls_cert="", tls_key="",
           rate=20, burst=40, connections=40, nginx_version=None):  # fmt: skip
    """The repository's nginx configuration with this installation's values, in the syntax of
    `nginx_version` (default: the installed nginx's; the older syntax when there is none)."""
    tls = ""
    if tls_cert and tls_key:
        version = nginx_version or installed_nginx_version() or (1, 22, 0)
        if version >= HTTP2_DIRECTIVE_SINCE:
            listen_tls = "    listen 443 ssl;\n    http2 on;\n"
        else:
            listen_tls = "    listen 443 ssl http2;\n"
        tls = (
            listen_tls + f"    ssl_certificate {tls_cert};\n    ssl_certificate_key {tls_key};\n"
            "    ssl_protocols TLSv1.2 TLSv1.3;\n"
        )
    values = {
        "UPSTREAM_SERVERS": "\n".join(
            f"    server {address} max_fails=2 fail_timeout=5s;" for address in upstreams
        ),
        "LISTEN": listen,
        "TLS": tls,
        "SERVER_NAME": server_name,
        "STATIC_ROOT": str(static_root).rstrip("/"),
        "MEDIA_ROOT": str(media_root).rstrip("/"),
        "RATE_PER_SECOND": str(rate),
        "BURST": str(burst),
        "CONNECTIONS_PER_IP": str(connections),
    }
    text = TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace("{{ " + name + " }}", value)
    return text


class Command(BaseCommand):
    help = "Print the nginx configuration (http-level blocks) for this installation."

    def add_arguments(self, parser):
        parser.add_argument(
            "--upstream", action="append", default=[],
            help="address of a Louage instance (repeat for several), e.g. 127.0.0.1:8000",
        )  # fmt: skip
        parser.add_argument("--listen", default="80")
        parser.add_argument("--server-name", default="_")
        parser.add_argument("--tls-cert", default="")
        parser.add_argument("--tls-key", default="")
        parser.add_argument("--rate", type=int, default=20, help="requests per second per address")
        parser.add_argument("--burst", type=int, default=40)
        parser.add_argument("--connections", type=int, default=40, help="per address")
        parser.add_argument(
            "--nginx-version", default="",
            help="write for this nginx version (e.g. 1.22.1) instead of the installed one",
        )  # fmt: skip

    def handle(self, *args, **options):
        upstreams = options["upstream"] or [f"127.0.0.1:{settings.SITE_URL.rsplit(':', 1)[-1]}"]
        if bool(options["tls_cert"]) != bool(options["tls_key"]):
            raise CommandError("--tls-cert and --tls-key go together")
        try:
            version = parse_version(options["nginx_version"]) if options["nginx_version"] else None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            render(
                upstreams=upstreams,
                listen=options["listen"],
                server_name=options["server_name"],
                static_root=settings.STATIC_ROOT,
                media_root=settings.MEDIA_ROOT,
                tls_cert=options["tls_cert"],
                tls_key=options["tls_key"],
                rate=options["rate"],
                burst=options["burst"],
                connections=options["connections"],
                nginx_version=version,
            )  # fmt: skip
        )
