"""GIS tools read our exports: GDAL's ogrinfo opens them as layers with features."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

OGRINFO = shutil.which("ogrinfo")
pytestmark = pytest.mark.skipif(
    OGRINFO is None, reason="GDAL's ogrinfo is not installed (Debian package gdal-bin; CI has it)"
)


def feature_count(path: Path, *options: str) -> tuple[int, str]:
    result = subprocess.run(
        [str(OGRINFO), "-ro", "-so", "-al", *options, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(r"Feature Count: (\d+)", result.stdout)
    assert match, result.stdout + result.stderr
    return int(match.group(1)), result.stdout


@pytest.mark.parametrize("kind", ["deployments", "movements", "events"])
def test_ogrinfo_reads_the_geojson_export(client: TestClient, tmp_path: Path, kind: str) -> None:
    response = client.get(f"/export/{kind}.geojson")
    path = tmp_path / f"{kind}.geojson"
    path.write_bytes(response.content)
    count, info = feature_count(path)
    assert count == len(response.json()["features"]) > 0
    assert "start:" in info, "the interval's start is a typed attribute"


@pytest.mark.parametrize("kind", ["deployments", "events"])
def test_ogrinfo_reads_the_csv_export_with_point_geometry(
    client: TestClient, tmp_path: Path, kind: str
) -> None:
    response = client.get(f"/export/{kind}.csv")
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(response.content)
    rows = response.text.count("\n") - 1
    count, info = feature_count(path, "-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat")
    assert count == rows > 0
    assert "Geometry: Point" in info


def test_ogrinfo_reads_the_movements_csv(client: TestClient, tmp_path: Path) -> None:
    response = client.get("/export/movements.csv")
    path = tmp_path / "movements.csv"
    path.write_bytes(response.content)
    count, _ = feature_count(path)
    assert count == response.text.count("\n") - 1 > 0
