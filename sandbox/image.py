"""The sandbox image, built offline, with no registry.

The image is ``FROM scratch`` plus a tiny root file system the harness assembles in memory: an
``/etc/passwd`` naming one non-root user (``sandbox``, uid 10001), empty mount points and the
parent directories of the host paths mounted into it. At run time the host's own Python is
bind-mounted read-only at the same paths (interpreter prefix, virtualenv, ``/usr``), so the venv's
absolute paths work and torch/transformers/safetensors are exactly the host's versions. The parents
are created here with mode 755 because a host parent such as ``/root`` (mode 700) would otherwise
stop the non-root user from reaching the mounted prefix.

The tag hashes the layout, so a host whose Python moved gets a new image; an existing one is reused.
Users with a registry can instead build ``sandbox/Dockerfile`` and pass its tag as
``SandboxLimits.image``; then nothing of the host's Python is mounted.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

SANDBOX_UID = 10001
IMAGE_REPO = "prunegen-sandbox"
# Where the harness and sandbox packages appear inside the container (PYTHONPATH).
CODE_ROOT = "/opt/prunegen"
IN_DIR, OUT_DIR, WEIGHTS_DIR = "/job/in", "/job/out", "/job/weights"
# Top-level host paths that hold only shared libraries and programs, never user data.
SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/bin", "/sbin")


@dataclass(frozen=True)
class HostLayout:
    """What of the host the container sees, read-only, at the same paths."""
    python: str                      # the interpreter to run (the venv's bin/python)
    mounts: tuple[str, ...]          # directories bind-mounted read-only at the same path
    symlinks: tuple[tuple[str, str], ...]  # (path, target) recreated in the image, e.g. /lib -> usr/lib
    code: tuple[tuple[str, str], ...]      # (host package dir, container path) for harness, sandbox, reference_pruners

    def parents(self) -> list[str]:
        """Every directory above a mount point; the image creates them traversable (:func:`dir_mode`)."""
        out = set()
        for m in self.mounts + tuple(c for _, c in self.code) + (IN_DIR, OUT_DIR, WEIGHTS_DIR):
            p = Path(m).parent
            while str(p) != "/":
                out.add(str(p))
                p = p.parent
        return sorted(out)

    def digest(self) -> str:
        blob = json.dumps([self.mounts, self.symlinks, self.parents(), SANDBOX_UID, 2]).encode()
        return hashlib.sha256(blob).hexdigest()[:12]


def repo_root() -> Path:
    """The checkout holding harness/, sandbox/ and reference_pruners/ side by side (this file's grandparent)."""
    return Path(__file__).resolve().parent.parent


def host_layout() -> HostLayout:
    mounts, symlinks = [], []
    for d in SYSTEM_DIRS:
        if os.path.islink(d):
            symlinks.append((d, os.readlink(d)))
        elif os.path.isdir(d):
            mounts.append(d)
    for prefix in {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)}:
        if not any(prefix == m or prefix.startswith(m + "/") for m in mounts):
            mounts.append(prefix)
    root = repo_root()
    # reference_pruners: the human methods run through this same sandbox, by file, like any candidate.
    code = tuple((str(root / pkg), f"{CODE_ROOT}/{pkg}") for pkg in ("harness", "sandbox", "reference_pruners"))
    # sys.executable of a venv is <venv>/bin/python, a symlink into the base prefix: both are mounted.
    python = sys.executable if sys.prefix != sys.base_prefix else os.path.realpath(sys.executable)
    return HostLayout(python, tuple(sorted(mounts)), tuple(symlinks), code)


def dir_mode(path: str) -> int:
    """The mode of a directory the image creates: 755 (root's, traversable, not writable by the sandbox
    user), except ``/tmp``, the sandbox user's scratch, 1777 as on every Unix (and as the tmpfs the
    container mounts there). ``/tmp`` is also a mount's parent when the checkout, and so its venv, lies
    under it: it keeps 1777, which the non-root user can traverse as well as 755."""
    return 0o1777 if path == "/tmp" else 0o755


def image_tag(layout: HostLayout) -> str:
    return f"{IMAGE_REPO}:{layout.digest()}"


def build_context(layout: HostLayout) -> bytes:
    """A tar build context: a Dockerfile and rootfs/ holding the passwd file and empty directories."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        def add_dir(path: str, mode: int = 0o755) -> None:
            info = tarfile.TarInfo(f"rootfs{path}")
            info.type, info.mode = tarfile.DIRTYPE, mode
            tar.addfile(info)

        def add_file(path: str, data: bytes, mode: int = 0o644) -> None:
            info = tarfile.TarInfo(path)
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))

        dockerfile = "FROM scratch\nCOPY rootfs/ /\nUSER %d:%d\nWORKDIR /tmp\n" % (SANDBOX_UID, SANDBOX_UID)
        add_file("Dockerfile", dockerfile.encode())
        add_dir("")
        dirs = {"/etc", "/tmp", "/job", IN_DIR, OUT_DIR, WEIGHTS_DIR, CODE_ROOT, *layout.parents(), *layout.mounts,
                *(c for _, c in layout.code)}
        for d in sorted(dirs):
            add_dir(d, dir_mode(d))
        for path, target in layout.symlinks:
            info = tarfile.TarInfo(f"rootfs{path}")
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
        add_file("rootfs/etc/passwd", f"root:x:0:0::/nonexistent:/sbin/nologin\n"
                                      f"sandbox:x:{SANDBOX_UID}:{SANDBOX_UID}::/tmp:/sbin/nologin\n".encode())
        add_file("rootfs/etc/group", f"root:x:0:\nsandbox:x:{SANDBOX_UID}:\n".encode())
        # The loader's cache of library paths: no secrets, and it lets the loader find libstdc++ & co.
        if os.path.isfile("/etc/ld.so.cache"):
            add_file("rootfs/etc/ld.so.cache", Path("/etc/ld.so.cache").read_bytes())
    return buf.getvalue()


def ensure_image(client, layout: HostLayout | None = None, *, force: bool = False) -> str:
    """Return the tag of the offline image, building it first when it does not exist (or ``force``)."""
    import docker.errors
    layout = layout or host_layout()
    tag = image_tag(layout)
    if not force:
        try:
            client.images.get(tag)
            return tag
        except docker.errors.ImageNotFound:
            pass
    client.images.build(fileobj=io.BytesIO(build_context(layout)), custom_context=True, tag=tag, rm=True,
                        forcerm=True, pull=False, labels={"prunegen": "1"})
    return tag


class DockerUnavailable(RuntimeError):
    """No Docker engine answered; the message says how to start one or how to run without it."""


def docker_client():
    """A client for a Docker engine that answers, or DockerUnavailable with instructions."""
    try:
        import docker
    except ImportError:
        raise DockerUnavailable("the 'docker' Python package is missing: pip install 'docker>=7.0'") from None
    try:
        client = docker.from_env(timeout=120)
        client.ping()
        return client
    except Exception as e:
        raise DockerUnavailable(
            f"no Docker engine answers ({type(e).__name__}: {e}). Start one: `sudo systemctl start docker`, "
            "or as root `bash .ci/start-docker` (installs docker.io and runs dockerd in the background), or on "
            "macOS/Windows start Docker Desktop; DOCKER_HOST selects a remote engine. Without Docker, "
            "`--sandbox process` runs the candidate in a subprocess with rlimits: WEAKER isolation.") from None
