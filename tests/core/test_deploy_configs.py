"""The files an operator installs are accepted by the machine's own tools: the rendered nginx
configuration by `nginx -t`, the rendered systemd units by `systemd-analyze verify`."""

import datetime
import getpass
import os
import shutil
import subprocess
import sys

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from louage.core.management.commands import nginx_config, systemd_units
from tests.support.system import missing_system_package


def self_signed(directory):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "louage.example.tn")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256())
    )  # fmt: skip
    (directory / "louage.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "louage.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )  # fmt: skip
    )
    return directory / "louage.pem", directory / "louage.key"


def nginx_binary():
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(binary):
        missing_system_package("nginx-light")
    return binary


def test_the_rendered_nginx_configuration_passes_nginx_t_with_tls_and_http2(tmp_path):
    binary = nginx_binary()
    cert, key = self_signed(tmp_path)
    site = nginx_config.render(
        upstreams=["10.0.0.11:8000", "10.0.0.12:8000"], listen="127.0.0.1:8080",
        server_name="louage.example.tn", static_root=tmp_path / "static",
        media_root=tmp_path / "media", tls_cert=cert, tls_key=key,
    )  # fmt: skip
    # The installed nginx decides the syntax: Debian 12's 1.22 has no `http2` directive.
    version = nginx_config.installed_nginx_version(binary)
    assert version is not None
    if version < (1, 25, 1):
        assert "listen 443 ssl http2;" in site and "http2 on;" not in site
    else:
        assert "http2 on;" in site
    config = tmp_path / "nginx.conf"
    config.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events { worker_connections 64; }\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  access_log off;\n{site}\n}}\n"
    )
    result = subprocess.run([binary, "-t", "-c", str(config), "-p", str(tmp_path)],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "warn" not in result.stderr


@pytest.mark.parametrize(
    "version, expected",
    [
        ((1, 22, 1), "    listen 443 ssl http2;\n"),
        ((1, 25, 1), "    listen 443 ssl;\n    http2 on;\n"),
    ],
)
def test_nginx_http2_syntax_follows_the_version(tmp_path, version, expected):
    site = nginx_config.render(
        upstreams=["127.0.0.1:8000"], listen="80", server_name="_", static_root=tmp_path,
        media_root=tmp_path, tls_cert="/c.pem", tls_key="/c.key", nginx_version=version,
    )  # fmt: skip
    assert expected in site


def test_the_rendered_systemd_units_pass_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        missing_system_package("systemd")
    env_file = tmp_path / "louage.env"
    env_file.write_text("DEBUG=false\n")
    user = getpass.getuser()
    units = systemd_units.render(user=user, group=user, env_file=env_file)
    assert set(units) == {
        "louage-migrate.service", "louage-web@.service", "louage-worker@.service",
        "louage-scheduler.service", "louage-relay.service", "louage.target",
    }  # fmt: skip
    for name, text in units.items():
        (tmp_path / name).write_text(text)
        if name.endswith(".service"):
            assert f"ExecStart={sys.executable} " in text  # this installation's Python
        if name != "louage-migrate.service" and name.endswith(".service"):
            # Every role waits for the migrations, and comes back alone whatever stopped it.
            assert "Wants=louage-migrate.service\nAfter=louage-migrate.service" in text
            assert "Restart=always" in text
    assert "Type=oneshot" in units["louage-migrate.service"]
    checked = [
        tmp_path / "louage-migrate.service", tmp_path / "louage-web@8000.service",
        tmp_path / "louage-worker@1.service", tmp_path / "louage-scheduler.service",
        tmp_path / "louage-relay.service", tmp_path / "louage.target",
    ]  # fmt: skip
    result = subprocess.run([analyze, "verify", "--man=no", *map(str, checked)],
                            capture_output=True, text=True)  # fmt: skip
    # verify only warns about some mistakes (an unknown value is "ignored"): nothing may be said.
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    assert not result.stdout.strip(), result.stdout
