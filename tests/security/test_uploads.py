"""Threat: a hostile upload — a decompression bomb that exhausts memory, a script or HTML
dressed as an image, a file that carries the uploader's GPS position, a path in the file
name, a body the server cannot even parse.

Attack: each one sent to POST /api/v1/me/avatar (and the web avatar form reads the same
service). The server decodes at most 40 million pixels, keeps JPEG/PNG/GIF/WebP only,
re-encodes a fresh 256 px WebP (no metadata), names it itself, and answers 4xx to the rest.
"""

import io
import struct
import zlib

import pytest
from PIL import Image

from louage.accounts.models import User

pytestmark = pytest.mark.django_db


def upload(api, user, content, name="photo.png"):
    file = io.BytesIO(content)
    file.name = name
    return api(user).upload("me/avatar", {"avatar": file})


def png_bomb(width, height):
    """A valid PNG header claiming width × height pixels, with a few bytes of data."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\x00" * 1024, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def image_bytes(fmt="PNG", size=(64, 64), **save):
    out = io.BytesIO()
    Image.new("RGB", size, "blue").save(out, format=fmt, **save)
    return out.getvalue()


def test_a_decompression_bomb_is_refused_before_it_is_decoded(api, client_user):
    bomb = png_bomb(60_000, 60_000)  # 3.6 billion pixels in under 100 bytes
    assert len(bomb) < 200
    response = upload(api, client_user, bomb)
    assert response.status_code == 422
    assert User.objects.get(pk=client_user.pk).avatar.name in ("", None)


@pytest.mark.parametrize(
    "content, name",
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "a.svg"),
        (b"<html><script>alert(1)</script></html>", "a.png"),
        (b"GIF89a<script>alert(1)</script>", "a.gif"),
        (b"%PDF-1.4 not an image", "a.jpg"),
        (image_bytes("BMP"), "a.bmp"),
    ],
)
def test_files_that_are_not_accepted_images_are_refused(api, client_user, content, name):
    response = upload(api, client_user, content, name)
    assert response.status_code == 422
    assert not User.objects.get(pk=client_user.pk).avatar


def test_the_stored_avatar_is_a_fresh_small_webp_named_by_the_server(api, client_user):
    exif = Image.Exif()
    exif[0x8825] = {2: (36.0, 48.0, 0.0)}  # GPS latitude
    photo = image_bytes("JPEG", size=(1200, 900), exif=exif.tobytes())
    response = upload(api, client_user, photo, name="../../etc/passwd.jpg")
    assert response.status_code == 200
    user = User.objects.get(pk=client_user.pk)
    assert user.avatar.name.startswith("avatars/") and user.avatar.name.endswith(".webp")
    assert "passwd" not in user.avatar.name and ".." not in user.avatar.name
    with Image.open(user.avatar.path) as stored:
        assert stored.format == "WEBP" and stored.size == (256, 256)
        assert not stored.getexif()


def test_a_file_over_the_limit_is_refused(api, client_user, settings):
    settings.AVATAR_MAX_BYTES = 10_000
    response = upload(api, client_user, image_bytes("PNG", size=(400, 400)) + b"\0" * 20_000)
    assert response.status_code in (413, 422)
    assert not User.objects.get(pk=client_user.pk).avatar


@pytest.mark.parametrize(
    "content_type", ["multipart/form-data", "multipart/form-data; boundary=", "multipart/x"]
)
def test_a_multipart_body_that_cannot_be_parsed_is_a_4xx_not_a_500(api, client_user, content_type):
    from django.test import Client

    from louage.accounts.sessions import tokens_for

    response = Client().generic(
        "POST", "/api/v1/me/avatar", b"--x\r\nnonsense", content_type=content_type,
        headers={"Authorization": f"Bearer {tokens_for(client_user)['access']}"},
    )  # fmt: skip
    assert 400 <= response.status_code < 500, response.content
