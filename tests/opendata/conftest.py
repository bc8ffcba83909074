"""Reading and validating built GTFS feeds."""

import csv
import io
import json
import zipfile

import pytest

# The canonical rule set knows only GTFS's basic route types: an extended one (1501 "communal
# taxi", or the 700 fallback) draws this warning on each route, and nothing else may fire.
EXPECTED_WARNINGS = {"unexpected_enum_value"}


def read_feed(data):
    """{file name: [row dicts]} of a GTFS zip."""
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        return {
            name: list(csv.DictReader(io.StringIO(bundle.read(name).decode("utf-8"))))
            for name in bundle.namelist()
        }


class Report:
    def __init__(self, notices):
        self.notices = notices

    def codes(self, severity):
        return {n["code"]: n["totalNotices"] for n in self.notices if n["severity"] == severity}

    @property
    def errors(self):
        return {n["code"]: n["sampleNotices"][:3] for n in self.notices if n["severity"] == "ERROR"}

    def assert_valid(self, also_expected=()):
        """No error; no warning but the route type's (and `also_expected` codes)."""
        assert self.errors == {}
        warnings = self.codes("WARNING")
        assert set(warnings) <= EXPECTED_WARNINGS | set(also_expected), warnings
        for notice in self.notices:
            if notice["code"] == "unexpected_enum_value":
                fields = {(s["filename"], s["fieldName"]) for s in notice["sampleNotices"]}
                assert fields == {("routes.txt", "route_type")}


@pytest.fixture
def gtfs_validator(tmp_path):
    """`gtfs_validator(zip_bytes, day)` runs the gtfs-validator package (a pure-Python port of
    MobilityData's canonical GTFS Schedule validator) as of `day`; returns its Report."""
    from gtfs_validator.cli import main

    def validate(data, day):
        folder = tmp_path / f"validation-{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        feed = folder / "gtfs.zip"
        feed.write_bytes(data)
        status = main(
            ["-i", str(feed), "-o", str(folder / "report"), "-c", "TN", "-d", day.isoformat()]
        )
        assert status == 0
        system_errors = json.loads((folder / "report" / "system_errors.json").read_text())
        assert system_errors["notices"] == []
        report = json.loads((folder / "report" / "report.json").read_text())
        return Report(report["notices"])

    return validate
