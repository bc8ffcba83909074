"""Issue 23, finding 6: avatar decoding was unbounded in memory.

Attack: a 170 KB PNG of 6300 × 6300 pixels (rows of zeros, deflated) passed the 40-megapixel
cap and took 1.4 s and about 470 MB of one web worker to decode and convert; a few at once
exhaust the server. Now PNG, GIF and WebP over 10 megapixels are refused from their header
(422 on the API, a form error on the web), a JPEG is decoded reduced, and the peak memory of
each case is measured in a fresh process (the rise of its resident high-water mark, VmHWM,
reset just before).
"""

import json
import struct
import subprocess
import sys
import zlib
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from louage.accounts.models import User
from tests.support.servers import ROOT, base_env

MB = 1024 * 1024


def png(width, height, *, channels=3):
    """A PNG of `width` × `height` zero pixels, deflated row by row (never held whole)."""
    row = b"\0" * (1 + width * channels)  # filter byte + pixels
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    color_type = {1: 0, 3: 2, 4: 6}[channels]
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def gif(width, height):
    """A one-pixel GIF whose screen and frame then claim `width` × `height` pixels."""
    out = BytesIO()
    Image.new("P", (1, 1)).save(out, format="GIF")
    data = bytearray(out.getvalue())
    frame = data.index(b"\x2c", 13)  # the image descriptor, after the colour table
    data[6:10] = data[frame + 5 : frame + 9] = struct.pack("<HH", width, height)
    return bytes(data)


def jpeg(width, height, mode="L"):
    out = BytesIO()
    Image.new(mode, (width, height), 128).save(out, format="JPEG", quality=60)
    return out.getvalue()


THE_REPORTED_PNG = png(6300, 6300)

MEASURE = """
import json, sys, time
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from louage.accounts.services import process_avatar
from louage.core.errors import InvalidInput

def status(key):
    return int(next(l for l in open("/proc/self/status") if l.startswith(key)).split()[1])

for path in sys.argv[1:]:  # one file after another, each from a reset high-water mark
    upload = SimpleUploadedFile("avatar", open(path, "rb").read())
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # the high-water mark (VmHWM) starts again from the memory in use
    before = status("VmRSS")
    started = time.perf_counter()
    try:
        process_avatar(upload)
        outcome = "accepted"
    except InvalidInput as exc:
        outcome = str(exc.errors[0]["message"])
    seconds = time.perf_counter() - started
    print(json.dumps({"outcome": outcome, "seconds": seconds, "kb": status("VmHWM") - before}))
"""


def measured(tmp_path, files):
    """{name: {"outcome", "seconds", "kb"}}: each file through process_avatar in a fresh
    Django process, with the memory it took at most."""
    paths = []
    for name, data in files.items():
        paths.append(tmp_path / name)
        paths[-1].write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *map(str, paths)],
        env=base_env(DJANGO_SETTINGS_MODULE="louage.settings"),
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    lines = done.stdout.strip().splitlines()[-len(files) :]
    return dict(zip(files, map(json.loads, lines), strict=True))


@pytest.mark.django_db
def test_the_reported_png_is_refused_on_the_api_with_a_clear_error(api, client_user):
    assert len(THE_REPORTED_PNG) < 200 * 1024
    response = api(client_user).upload(
        "me/avatar", {"avatar": SimpleUploadedFile("a.png", THE_REPORTED_PNG, "image/png")}
    )
    assert response.status_code == 422, response.content
    error = response.json()["errors"][0]
    assert error["field"] == "avatar"
    assert "6300 × 6300" in error["message"] and "10 millions" in error["message"]
    assert not User.objects.get(pk=client_user.pk).avatar


@pytest.mark.django_db
def test_the_web_form_says_so_and_stores_nothing(web, client_user):
    web.force_login(client_user)
    response = web.post(
        "/compte/photo/", {"avatar": SimpleUploadedFile("a.png", THE_REPORTED_PNG, "image/png")}
    )
    assert response.status_code == 200
    assert "6300 × 6300" in response.content.decode()
    assert not User.objects.get(pk=client_user.pk).avatar


def test_bombs_are_refused_from_their_header_in_little_memory_and_time(tmp_path):
    results = measured(
        tmp_path,
        {
            "reported-6300x6300.png": THE_REPORTED_PNG,
            "rgba-4000x4000.png": png(4000, 4000, channels=4),
            "gray-8000x8000.png": png(8000, 8000, channels=1),
            "65535x65535.gif": gif(65535, 65535),
            "strip-65000x400.jpg": jpeg(65000, 400),  # a strip: no reduced decoding helps
        },
    )
    for name, result in results.items():
        assert "trop grande" in result["outcome"], (name, result)
        assert result["kb"] < 16 * 1024, (name, result)  # was ~470 MB for the reported PNG
        assert result["seconds"] < 1, (name, result)


def test_the_largest_accepted_images_stay_within_their_memory_budget(tmp_path):
    results = measured(
        tmp_path,
        {
            # The largest PNG accepted, with an alpha channel: decoded whole, one converted copy.
            "rgba-3162x3162.png": png(3162, 3162, channels=4),
            # A 40-megapixel camera JPEG: decoded at 1/8 of its size.
            "photo-7300x5470.jpg": jpeg(7300, 5470),
        },
    )
    assert {name: result["outcome"] for name, result in results.items()} == dict.fromkeys(
        results, "accepted"
    )
    assert results["rgba-3162x3162.png"]["kb"] < 100 * 1024, results
    assert results["photo-7300x5470.jpg"]["kb"] < 24 * 1024, results
