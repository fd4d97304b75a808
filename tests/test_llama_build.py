"""llama.cpp is built for what the host grants, never for what its CPUID merely advertises."""

from __future__ import annotations

import subprocess

from harness.llm import llama_build as lb

AMX_VM = ("processor : 0\nflags : fpu sse2 avx avx2 fma f16c avx512f avx512_vnni avx512_bf16 "
          "amx_bf16 amx_tile amx_int8\n\nprocessor : 1\nflags : fpu\n")


def _switches(args: str) -> dict[str, str]:
    return dict(a[2:].split("=") for a in args.split())


def test_flags_are_read_from_the_first_cpu():
    assert {"avx512_bf16", "amx_tile", "fma"} <= lb.cpu_flags(AMX_VM)
    assert lb.cpu_flags("no flags here") == set()


def test_an_advertised_but_not_granted_amx_is_left_out():
    s = _switches(lb.cmake_args(lb.cpu_flags(AMX_VM), amx=False))
    assert s["GGML_NATIVE"] == "OFF"
    assert s["GGML_AVX512"] == s["GGML_AVX512_BF16"] == s["GGML_AVX512_VNNI"] == s["GGML_AVX2"] == "ON"
    assert s["GGML_AMX_TILE"] == s["GGML_AMX_INT8"] == s["GGML_AMX_BF16"] == "OFF"
    granted = _switches(lb.cmake_args(lb.cpu_flags(AMX_VM), amx=True))
    assert granted["GGML_AMX_TILE"] == granted["GGML_AMX_INT8"] == "ON"


# The flags line of a 2-core Xeon VM with AVX-512 but neither AVX512-BF16 nor AMX (this project's CI host).
XEON_AVX512 = ("flags : fpu sse2 avx avx2 fma f16c avx512f avx512dq avx512cd avx512bw avx512vl avx512ifma "
               "avx512vbmi avx512_vbmi2 avx512_vnni avx512_bitalg avx512_vpopcntdq\n")


def test_every_avx512_extension_is_read_as_the_kernel_spells_it():
    s = _switches(lb.cmake_args(lb.cpu_flags(XEON_AVX512), amx=False))
    assert s["GGML_AVX512"] == s["GGML_AVX512_VBMI"] == s["GGML_AVX512_VNNI"] == "ON"
    assert s["GGML_AVX512_BF16"] == s["GGML_AVX_VNNI"] == "OFF"


def test_an_avx2_host_gets_no_avx512():
    s = _switches(lb.cmake_args({"avx", "avx2", "fma", "f16c"}, amx=True))
    assert s["GGML_AVX2"] == "ON" and s["GGML_AVX512"] == "OFF" and s["GGML_AMX_TILE"] == "OFF"


def test_the_wheel_folder_changes_with_the_flags_and_the_package():
    a = lb.cmake_args({"avx2"}, amx=False)
    b = lb.cmake_args({"avx2", "avx512f"}, amx=False)
    assert lb.build_key(a, "llama-cpp-python==0.3.36") != lb.build_key(b, "llama-cpp-python==0.3.36")
    assert lb.build_key(a, "llama-cpp-python==0.3.36") != lb.build_key(a, "llama-cpp-python==0.3.37")


def test_the_amx_probe_matches_the_kernel():
    """On this host the answer is what the kernel says; with no amx_tile flag it can only be no."""
    granted = lb.amx_granted()
    if "amx_tile" not in lb.cpu_flags():
        assert granted is False


def test_the_counter_sees_tile_instructions(tmp_path):
    """Compiled here with gcc's AMX intrinsics (never run): objdump's count finds them."""
    src = tmp_path / "amx.c"
    src.write_text("#include <immintrin.h>\nvoid f(const void *cfg, void *p) {\n"
                   "  _tile_loadconfig(cfg); _tile_loadd(0, p, 64); _tile_stored(0, p, 64); _tile_release(); }\n")
    lib = tmp_path / "libamx.so"
    subprocess.run(["gcc", "-O2", "-mamx-tile", "-shared", "-fPIC", str(src), "-o", str(lib)], check=True)
    assert lb.count_amx_instructions(lib) == 4


def test_the_installed_build_holds_no_amx_the_host_does_not_grant():
    """What make setup built: objdump finds no tile instruction unless the kernel grants the tiles."""
    libs = lb.installed_ggml_cpu_libs()
    assert libs, "llama-cpp-python is not installed: make setup builds it"
    counts = {str(p): lb.count_amx_instructions(p) for p in libs}
    if not lb.amx_granted():
        assert all(n == 0 for n in counts.values()), counts
    assert lb.main(["check"]) == 0


def test_amx_can_be_switched_off_where_the_kernel_grants_it():
    """The rebuild after a failed smoke completion: PRUNEGEN_LLAMA_AMX=off leaves every AMX switch off."""
    assert lb.amx_wanted({lb.AMX_SWITCH: "off"}) is False
    assert lb.amx_wanted({lb.AMX_SWITCH: "OFF"}) is False
    assert lb.amx_wanted({}) is lb.amx_granted()


def test_a_faulting_build_is_named_by_its_signal(monkeypatch, tmp_path):
    """What setup sees from a build whose kernels fault: the child dies of SIGILL, and smoke says so."""
    monkeypatch.setattr(lb, "_SMOKE", "import os, signal; os.kill(os.getpid(), signal.SIGILL)")
    ok, what = lb.smoke(tmp_path / "unused.gguf")
    assert not ok and what.startswith("killed by SIGILL")


def test_the_installed_build_writes_tokens():
    """make setup's smoke completion, on this host: the installed llama.cpp answers from SmolLM2's GGUF."""
    from harness.core.models import resolve

    ok, what = lb.smoke(resolve("smollm2-135m")[1])
    assert ok, what
