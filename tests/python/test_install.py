"""`pip install --no-build-isolation .` from the source tree (pyproject.toml, app/python/pep517/lyapcert_build.py)
into a fresh venv created with --system-site-packages, then `import lyapcert` from a directory outside the source
tree. The build backend reuses the already-built CMake tree given by LYAPCERT_CMAKE_BUILD_DIR (only the target
lyapcert_python is brought up to date), so the test costs a pip run and a wheel, not a build (ctest
python_install, about 10 s). docs/python.md.
"""
import os
import subprocess
import sys

import pytest

SOURCE = os.environ.get("LYAPCERT_SOURCE_DIR")
BUILD = os.environ.get("LYAPCERT_CMAKE_BUILD_DIR")

pytestmark = pytest.mark.skipif(not SOURCE or not BUILD,
                                reason="needs LYAPCERT_SOURCE_DIR and LYAPCERT_CMAKE_BUILD_DIR (run by ctest)")


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)
    assert p.returncode == 0, (cmd, p.stdout[-4000:], p.stderr[-4000:])
    return p.stdout


def test_pip_install_into_venv_and_import_from_elsewhere(tmp_path):
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)])
    py = str(venv / "bin" / "python")
    env = dict(os.environ, LYAPCERT_CMAKE_BUILD_DIR=BUILD, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    run([py, "-m", "pip", "install", "--no-build-isolation", "--no-deps", "-q", SOURCE], env=env, cwd=str(tmp_path))
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    code = ("import lyapcert, sys; print(lyapcert.__file__); "
            "r = lyapcert.lyap1d('atoms(-1:1/3, 1/2:2/3)', 1, digits=20); print(r.sign, r.enclosure.lower)")
    out = run([py, "-c", code], env=env, cwd=str(outside)).split("\n")
    assert out[0].startswith(str(venv)), out  # the installed copy, not the source or build tree
    sign, lower = out[1].split()
    # E log|1 - h| = (1/3) log 2 + (2/3) log(1/2) = -(1/3) log 2 = -0.2310490601866484364...
    assert sign == "negative" and lower.startswith("-2.310490601866484364"), out
    # the CLI's commands in the installed module (in-process), with the exact value of the closed form
    # Lambda = (1/2) log 2 + (1/2) log(1/2) = 0 at lr = 1/2 for h = atoms(-2, 3): |1 + 1| * |1 - 3/2| = 1
    code = ("import lyapcert; r = lyapcert.command('lyap1d', law='atoms(-2, 3)', lr='1/2', digits=10); "
            "print(r.sign, r.enclosure.lower, r.exit_status); "
            "s = lyapcert.simulate('1/4', snr='1/5', runs=4, steps=50, seed=1, progress=False); "
            "print(s.summary['runs'], s.guarantee)")
    out = run([py, "-c", code], env=env, cwd=str(outside)).split("\n")
    assert out[0].split() == ["zero", "0", "0"] and out[1] == "4 monte-carlo", out
    # a diagram as numpy arrays (the command in-process, its files in a temporary directory: nothing is left in
    # the working directory) and an error naming the Python argument (the CLI says --lr-min)
    code = ("import os, lyapcert\n"
            "d = lyapcert.phase_diagram(model='diagonal', beta=[1], lr_range=('1/10', 1), sigma_range=('1/2', 2), "
            "grid=(2, 1), digits=4, progress=False)\n"
            "print(d.shape, d.phase.shape, d.complete)\n"
            "try:\n    lyapcert.boundaries('atoms(1)', 2, 1)\n"
            "except lyapcert.InputError as e:\n    print('InputError:', e)\n"
            "print(os.listdir('.'))\n")
    out = run([py, "-c", code], env=env, cwd=str(outside)).split("\n")
    assert out[0] == "(1, 2) (1, 1, 2) True" and out[2] == "[]", out
    assert out[1].startswith("InputError: lr_min must be < lr_max"), out
    assert "--" not in out[1], out
    listed = run([py, "-m", "pip", "show", "-f", "lyapcert"], env=env, cwd=str(outside))
    for f in ("lyapcert/__init__.py", "lyapcert/__init__.pyi", "lyapcert/_commands.py", "lyapcert/plot.py",
              "lyapcert/plot.pyi",
              "lyapcert/py.typed", "lyapcert/_lyapcert"):
        assert f in listed, (f, listed)
    run([py, "-m", "pip", "uninstall", "-y", "-q", "lyapcert"], env=env, cwd=str(outside))
    p = subprocess.run([py, "-c", "import lyapcert"], capture_output=True, text=True, cwd=str(outside), env=env)
    assert p.returncode != 0 and "No module named 'lyapcert'" in p.stderr
