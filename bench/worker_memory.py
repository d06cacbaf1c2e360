"""A web worker's resident memory before it serves anything, and what the heavy libraries
cost.

    PYTHONPATH=src python bench/worker_memory.py

Each figure is a fresh interpreter's VmRSS (from /proc) after `django.setup()` and
loading the URL configuration: as the project is; with NumPy and SciPy replaced by empty
stand-ins (what a worker would weigh if the engines imported them only when a request
needs them); and, as the reference in the same run, Django set up without the project's
URLs. Writes bench/results/worker_memory.json.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "worker_memory.json"

PROGRAM = """
import json, os, sys, types
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")

class Empty(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return None

for name in {stubbed!r}:
    module = Empty(name)
    module.__path__ = []
    sys.modules[name] = module

import django
django.setup()
if {with_urls!r}:
    import coproduce.urls
    from django.urls import resolve
    resolve("/")
for line in open("/proc/self/status"):
    if line.startswith("VmRSS"):
        rss = int(line.split()[1]) // 1024
heavy = {{"numpy", "scipy", "PIL"}} & {{m.split(".")[0] for m in sys.modules}} - set({stubbed!r})
print(json.dumps({{"rss_mb": rss, "heavy": sorted(heavy)}}))
"""

STUBS = ["numpy", "scipy", "scipy.sparse", "scipy.sparse.linalg"]


def measure(*, stubbed: list[str], with_urls: bool) -> dict:
    code = PROGRAM.format(stubbed=stubbed, with_urls=with_urls)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    reference = measure(stubbed=[], with_urls=False)
    as_is = measure(stubbed=[], with_urls=True)
    without = measure(stubbed=STUBS, with_urls=True)
    found = {
        "django_setup_mb": reference["rss_mb"],
        "worker_mb": as_is["rss_mb"],
        "worker_loads": as_is["heavy"],
        "worker_without_numpy_scipy_mb": without["rss_mb"],
        "numpy_scipy_cost_mb": as_is["rss_mb"] - without["rss_mb"],
        "worker_ratio": round(as_is["rss_mb"] / reference["rss_mb"], 2),
    }
    print(
        f"Django set up, no URLs (reference): {found['django_setup_mb']} MB\n"
        f"A worker after setup and URLs: {found['worker_mb']} MB "
        f"(x{found['worker_ratio']}; loads {', '.join(found['worker_loads']) or 'none'})\n"
        f"The same without NumPy and SciPy: {found['worker_without_numpy_scipy_mb']} MB "
        f"(they cost {found['numpy_scipy_cost_mb']} MB)"
    )
    RESULTS.write_text(json.dumps(found, indent=2) + "\n")


if __name__ == "__main__":
    main()
