"""`make bench`: run every benchmark module here (or those named: `python -m benchmarks search`)."""

import importlib
import pkgutil
import sys
import time

import django

# Run on their own (`make soak`), not as part of `make bench`.
STANDALONE = {"soak", "reports"}  # reports: the sales report is timed by hotpaths too


def main(argv):
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "louage.settings")
    django.setup()
    package = sys.modules["benchmarks"]
    names = argv or sorted(
        m.name
        for m in pkgutil.iter_modules(package.__path__)
        if not m.name.startswith("_") and m.name not in STANDALONE
    )
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        print(
            f"\n== {name}: {module.__doc__.strip().splitlines()[0] if module.__doc__ else ''}",
            flush=True,
        )
        started = time.monotonic()
        module.main()
        print(f"   ({time.monotonic() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
