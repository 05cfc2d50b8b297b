"""The wheel carries the templates: install it in a fresh venv and print from elsewhere."""

import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from builders import minimal_roster, write_workbook

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    pytest.importorskip("hatchling")
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(dist), str(ROOT)], check=True)
    return next(dist.glob("*.whl"))


def test_wheel_contains_the_templates(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for page in ("base", "master", "staff", "patients", "rooms", "report"):
        assert f"scheduler/templates/{page}.html" in names


def test_installed_wheel_prints_from_another_folder(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    # Dependencies come from this environment; only the wheel itself is installed.
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write_workbook(elsewhere / "roster.xlsx", minimal_roster())
    where = subprocess.run(
        [str(python), "-c", "import scheduler.writers.html as h; print(h.template_dirs()[0])"],
        cwd=elsewhere, capture_output=True, text=True, check=True).stdout.strip()
    assert str(env_dir) in where and ROOT.as_posix() not in where
    proc = subprocess.run([str(env_dir / "bin" / "scheduler"), "solve", "roster.xlsx", "--out",
                           "out", "--no-pdf", "--quiet"], cwd=elsewhere, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    assert "Master timetable" in (elsewhere / "out" / "master.html").read_text()
    shutil.rmtree(env_dir)
