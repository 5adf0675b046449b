"""PEP 517 build backend for the Python module `lyapcert`: the project's CMake builds the extension (target
lyapcert_python only), and this file packs the package directory CMake produced into a wheel.

Standard library only, on purpose: `pip install --no-build-isolation .` must work offline with any Python 3
that has pip, including interpreters without setuptools or wheel (a pyenv build, a bare venv). docs/python.md.

Build directory (where CMake configures and builds):
  * the environment variable LYAPCERT_CMAKE_BUILD_DIR, or `pip install --config-settings build-dir=DIR .`:
    an existing or new CMake build tree; an already-built tree (e.g. the one `bash scripts/run.sh build` made) is
    reused as it is, and only the target lyapcert_python is brought up to date;
  * otherwise build/python-<EXT_SUFFIX tag>-<interpreter hash> in the source tree, configured without tests,
    benchmarks and the CLI.
The extension must match the running interpreter's EXT_SUFFIX (e.g. .cpython-311-x86_64-linux-gnu.so);
a build tree configured for another Python is refused with a message saying so.
"""
import base64
import io
import hashlib
import os
import re
import subprocess
import sys
import sysconfig
import tarfile
import zipfile

_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
_NAME = "lyapcert"


def _version():
    with open(os.path.join(_ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
        m = re.search(r"project\(\s*lyapcert\s+VERSION\s+([0-9][0-9.]*)", f.read())
    if not m:
        raise RuntimeError("lyapcert_build: no `project(lyapcert VERSION x.y.z)` in CMakeLists.txt")
    return m.group(1)


def _ext_suffix():
    return sysconfig.get_config_var("EXT_SUFFIX") or ".so"


def _interpreter():
    # The base interpreter of a venv: its headers and ABI are those of the venv.
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


def _build_dir(config_settings):
    cs = config_settings or {}
    given = cs.get("build-dir") or os.environ.get("LYAPCERT_CMAKE_BUILD_DIR")
    if given:
        return os.path.abspath(given), False
    tag = re.sub(r"[^A-Za-z0-9]+", "-", _ext_suffix()).strip("-")
    h = hashlib.sha256(_interpreter().encode()).hexdigest()[:8]
    return os.path.join(_ROOT, "build", f"python-{tag}-{h}"), True


def _run(cmd):
    print("lyapcert_build:", " ".join(cmd), file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True, stdout=sys.stderr)


def _cmake_build(config_settings):
    build, own = _build_dir(config_settings)
    if not os.path.exists(os.path.join(build, "CMakeCache.txt")):
        cmd = ["cmake", "-S", _ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release", f"-DPython3_EXECUTABLE={_interpreter()}",
               "-DLYAPCERT_BUILD_PYTHON=ON"]
        if own:
            cmd += ["-DLYAPCERT_BUILD_TESTS=OFF", "-DLYAPCERT_BUILD_BENCH=OFF"]
        _run(cmd)
    jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or str(os.cpu_count() or 1)
    _run(["cmake", "--build", build, "--target", "lyapcert_python", "-j", jobs])
    pkg = os.path.join(build, "app", "python", _NAME)
    ext = "_lyapcert" + _ext_suffix()
    if not os.path.isfile(os.path.join(pkg, ext)):
        found = sorted(f for f in os.listdir(pkg) if f.startswith("_lyapcert")) if os.path.isdir(pkg) else []
        raise RuntimeError(
            f"lyapcert_build: {build} holds {found or 'no extension'}, not {ext} for {sys.executable}; configure that "
            f"build tree with -DPython3_EXECUTABLE={_interpreter()} or unset LYAPCERT_CMAKE_BUILD_DIR")
    files = [(os.path.join(pkg, ext), f"{_NAME}/{ext}")]
    # The pure-Python files: the list app/python/CMakeLists.txt copied into the build tree.
    with open(os.path.join(build, "app", "python", "package_files.txt"), encoding="utf-8") as f:
        pure = [line.strip() for line in f if line.strip()]
    for name in pure:
        path = os.path.join(pkg, name)
        if not os.path.isfile(path):
            raise RuntimeError(f"lyapcert_build: {path} is missing (the build tree is older than the sources?)")
        files.append((path, f"{_NAME}/{name}"))
    return files


def _tag():
    impl = sys.implementation.name
    short = {"cpython": "cp", "pypy": "pp"}.get(impl, impl)
    py = f"{short}{sys.version_info[0]}{sys.version_info[1]}"
    abi = py + (getattr(sys, "abiflags", "") if impl == "cpython" else "")
    plat = re.sub(r"[-.]", "_", sysconfig.get_platform())
    return f"{py}-{abi}-{plat}"


def _metadata():
    return (
        "Metadata-Version: 2.1\n"
        f"Name: {_NAME}\n"
        f"Version: {_version()}\n"
        "Summary: Certified Lyapunov exponents of SGD near saddle points\n"
        "Requires-Python: >=3.9\n"
        "Provides-Extra: numpy\n"
        "Requires-Dist: numpy; extra == \"numpy\"\n"
        "Provides-Extra: plot\n"
        "Requires-Dist: numpy; extra == \"plot\"\n"
        "Requires-Dist: matplotlib; extra == \"plot\"\n"
        "Provides-Extra: pandas\n"
        "Requires-Dist: numpy; extra == \"pandas\"\n"
        "Requires-Dist: pandas; extra == \"pandas\"\n"
        "Provides-Extra: progress\n"
        "Requires-Dist: tqdm; extra == \"progress\"\n"
    )


def _wheel_file():
    return f"Wheel-Version: 1.0\nGenerator: lyapcert_build\nRoot-Is-Purelib: false\nTag: {_tag()}\n"


def _dist_info():
    return f"{_NAME}-{_version()}.dist-info"


# --- PEP 517 hooks ----------------------------------------------------------------------------------------------

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    d = os.path.join(metadata_directory, _dist_info())
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "METADATA"), "w", encoding="utf-8") as f:
        f.write(_metadata())
    with open(os.path.join(d, "WHEEL"), "w", encoding="utf-8") as f:
        f.write(_wheel_file())
    return _dist_info()


def _record_line(arcname, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}\n"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = _cmake_build(config_settings)
    name = f"{_NAME}-{_version()}-{_tag()}.whl"
    di = _dist_info()
    record = ""
    os.makedirs(wheel_directory, exist_ok=True)
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for path, arc in files:
            with open(path, "rb") as f:
                data = f.read()
            info = zipfile.ZipInfo(arc, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if arc.endswith(".so") else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
            record += _record_line(arc, data)
        for fname, text in (("METADATA", _metadata()), ("WHEEL", _wheel_file())):
            data = text.encode()
            z.writestr(f"{di}/{fname}", data)
            record += _record_line(f"{di}/{fname}", data)
        record += f"{di}/RECORD,,\n"
        z.writestr(f"{di}/RECORD", record)
    return name


def build_sdist(sdist_directory, config_settings=None):
    """The git-tracked files of the source tree (the sources CMake needs), as NAME-VERSION.tar.gz."""
    out = subprocess.run(["git", "-C", _ROOT, "ls-files", "-z"], check=True, capture_output=True).stdout
    base = f"{_NAME}-{_version()}"
    name = base + ".tar.gz"
    os.makedirs(sdist_directory, exist_ok=True)
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as t:
        for rel in sorted(p for p in out.decode().split("\0") if p):
            if os.path.isfile(os.path.join(_ROOT, rel)):
                t.add(os.path.join(_ROOT, rel), arcname=f"{base}/{rel}", recursive=False)
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        data = _metadata().encode()
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    return name
