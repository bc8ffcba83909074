from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

TEMPLATE = Path(settings.BASE_DIR) / "deploy" / "nginx" / "louage.conf.template"


def render(*, upstreams, listen, server_name, static_root, media_root, tls_cert="", tls_key="",
           rate=20, burst=40, connections=40):  # fmt: skip
    """The repository's nginx configuration with this installation's values."""
    tls = ""
    if tls_cert and tls_key:
        tls = (
            "    listen 443 ssl;\n    http2 on;\n"
            f"    ssl_certificate {tls_cert};\n    ssl_certificate_key {tls_key};\n"
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

    def handle(self, *args, **options):
        upstreams = options["upstream"] or [f"127.0.0.1:{settings.SITE_URL.rsplit(':', 1)[-1]}"]
        if bool(options["tls_cert"]) != bool(options["tls_key"]):
            raise CommandError("--tls-cert and --tls-key go together")
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
            )  # fmt: skip
        )
