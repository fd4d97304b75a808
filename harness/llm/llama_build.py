"""How llama.cpp is compiled here: only the instruction sets this host really lets a process use.

llama-cpp-python builds llama.cpp with ``GGML_NATIVE=ON`` by default, i.e. ``-march=native``: the
compiler turns on every extension the CPU *advertises*. Some VMs advertise AMX in CPUID without
enabling its tile state in XCR0, so the first ``ldtilecfg`` in ``ggml_backend_amx_mul_mat`` faults
and the llama.cpp server dies at its first prompt (while ``/v1/models`` still answers).

So ``make setup`` builds with ``GGML_NATIVE=OFF`` and the flags chosen here, explicitly:
AVX/AVX2/FMA/F16C/AVX-512 family from ``/proc/cpuinfo`` (the kernel only lists what XCR0 enables for
AVX-512), and AMX only when the kernel grants this process the tile data state
(``arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)`` succeeds), which a hypervisor that hides the
tile state makes fail.

A granted permission is still not enough: on a Firecracker VM (kernel 6.18, Sapphire Rapids flags) the
request succeeds and a hand-written ``ldtilecfg``/``tileloadd``/``tilezero`` runs, yet llama.cpp's AMX
kernels die with SIGILL at ``tilezero`` inside ``ggml_backend_amx_mul_mat`` at the first prompt. So setup
also asks the installed build for a real completion (``smoke``, in a child process); when a build with AMX
fails it, ``make llama-cpp`` builds again with ``PRUNEGEN_LLAMA_AMX=off`` (AVX-512 kernels only).

    python -m harness.llm.llama_build cmake-args   # what make setup exports as CMAKE_ARGS
    python -m harness.llm.llama_build key PKG    # the wheel folder name for PKG built that way
    python -m harness.llm.llama_build check        # counts AMX instructions in the installed build
    python -m harness.llm.llama_build smoke        # the installed build writes a few tokens, or exit 1
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import os
import platform
import re
import signal
import subprocess
import sys
from pathlib import Path

# ggml's CMake switch for each /proc/cpuinfo flag it can use (ggml/src/ggml-cpu/CMakeLists.txt). The flags
# are spelt as the kernel prints them (arch/x86/include/asm/cpufeatures.h): "avx512vbmi" has no
# underscore, "avx512_vnni" and "avx512_bf16" have one.
_X86_FLAGS = (
    ("avx", "GGML_AVX"),
    ("avx2", "GGML_AVX2"),
    ("fma", "GGML_FMA"),
    ("f16c", "GGML_F16C"),
    ("avx512f", "GGML_AVX512"),
    ("avx512vbmi", "GGML_AVX512_VBMI"),
    ("avx512_vnni", "GGML_AVX512_VNNI"),
    ("avx512_bf16", "GGML_AVX512_BF16"),
    ("avx_vnni", "GGML_AVX_VNNI"),
)
_AMX_FLAGS = (("amx_tile", "GGML_AMX_TILE"), ("amx_int8", "GGML_AMX_INT8"), ("amx_bf16", "GGML_AMX_BF16"))
AMX_MNEMONICS = ("ldtilecfg", "tileloadd", "tdpbssd", "tdpbf16ps", "tilerelease", "tilestored")


def cpu_flags(cpuinfo: str | None = None) -> set[str]:
    """The first CPU's ``flags`` line of /proc/cpuinfo, as a set (empty where there is none)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            return set()
    m = re.search(r"^flags\s*:\s*(.*)$", cpuinfo, re.MULTILINE)
    return set(m.group(1).split()) if m else set()


def amx_granted() -> bool:
    """True when the kernel lets this process use AMX tile data (Linux x86-64 >= 5.16).

    CPUID alone is not enough: a VM may advertise ``amx_tile`` while the hypervisor leaves the tile
    state out of XCR0; the permission request then fails with EINVAL/EOPNOTSUPP.
    """
    if sys.platform != "linux" or platform.machine() not in ("x86_64", "AMD64"):
        return False
    ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA, SYS_arch_prctl = 0x1023, 18, 158
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0
    except (OSError, AttributeError):
        return False


def cmake_args(flags: set[str], amx: bool) -> str:
    """The CMAKE_ARGS for a portable llama.cpp build that uses exactly ``flags`` (and AMX iff ``amx``)."""
    args = ["-DGGML_NATIVE=OFF"]
    for flag, switch in _X86_FLAGS:
        args.append(f"-D{switch}={'ON' if flag in flags else 'OFF'}")
    for flag, switch in _AMX_FLAGS:
        args.append(f"-D{switch}={'ON' if amx and flag in flags else 'OFF'}")
    return " ".join(args)


AMX_SWITCH = "PRUNEGEN_LLAMA_AMX"   # "off": build without AMX even where the kernel grants it


def amx_wanted(env: dict | None = None) -> bool:
    env = os.environ if env is None else env
    return env.get(AMX_SWITCH, "").strip().lower() not in ("off", "0", "no", "false") and amx_granted()


def host_cmake_args() -> str:
    return cmake_args(cpu_flags(), amx_wanted())


# Run in a child: a build that faults takes the child with it, not setup.
_SMOKE = """
import sys
from llama_cpp import Llama
m = Llama(model_path=sys.argv[1], n_ctx=256, n_threads=2, verbose=False)
out = m.create_completion("The capital of France is", max_tokens=4, temperature=0.0)
print(repr(out["choices"][0]["text"]))
"""


def smoke(gguf: Path, timeout_s: float = 300) -> tuple[bool, str]:
    """Have the installed llama.cpp write 4 tokens from ``gguf`` in a child process: (ok, what happened)."""
    try:
        r = subprocess.run([sys.executable, "-c", _SMOKE, str(gguf)], capture_output=True, text=True,
                           timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return False, f"no completion within {timeout_s:.0f} s"
    if r.returncode == 0:
        return True, f"wrote {r.stdout.strip()}"
    if r.returncode < 0:
        sig = signal.Signals(-r.returncode)
        return False, f"killed by {sig.name} ({signal.strsignal(sig)})"
    return False, f"exited with code {r.returncode}: {r.stderr.strip()[-300:]}"


def build_key(args: str, package: str = "") -> str:
    """A short name for a build configuration: pip's wheel cache ignores CMAKE_ARGS, so setup keys it."""
    return hashlib.sha256(f"{package}\n{args}".encode()).hexdigest()[:12]


def installed_ggml_cpu_libs() -> list[Path]:
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or spec.origin is None:
        return []
    root = Path(spec.origin).parent
    return sorted(p for p in root.rglob("libggml-cpu*.so*") if p.is_file())


def count_amx_instructions(lib: Path) -> int:
    """AMX instructions in a shared library's disassembly (``objdump -d``)."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(lib)], capture_output=True,
                         text=True, check=True).stdout
    pattern = re.compile(r"\t(" + "|".join(AMX_MNEMONICS) + r")\b")
    return sum(1 for line in out.splitlines() if pattern.search(line))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    cmd = argv[0] if argv else "cmake-args"
    if cmd == "cmake-args":
        print(host_cmake_args())
        return 0
    if cmd == "key":
        print(build_key(host_cmake_args(), " ".join(argv[1:])))
        return 0
    if cmd == "check":
        libs = installed_ggml_cpu_libs()
        if not libs:
            print("llama_cpp is not installed (or has no libggml-cpu): nothing to check", file=sys.stderr)
            return 1
        granted = amx_granted()
        bad = 0
        for lib in libs:
            n = count_amx_instructions(lib)
            print(f"{lib}: {n} AMX instructions (host grants AMX: {granted})")
            bad += n if not granted else 0
        if bad:
            print("this build uses AMX, which this host does not grant: the server would fault at its "
                  "first prompt. Rebuild with `make llama-cpp`.", file=sys.stderr)
            return 1
        return 0
    if cmd == "smoke":
        from harness.core.models import resolve

        _, gguf = resolve("smollm2-135m")
        ok, what = smoke(Path(gguf))
        libs = installed_ggml_cpu_libs()
        amx = sum(count_amx_instructions(p) for p in libs) if libs else 0
        print(f"llama.cpp smoke completion ({amx} AMX instructions in the build): {'ok, ' if ok else 'FAILED, '}{what}",
              file=sys.stdout if ok else sys.stderr)
        return 0 if ok else 1
    print(f"usage: python -m harness.llm.llama_build [cmake-args|key|check|smoke]; got {cmd!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
