"""Settings for benchmark runs only: the project's settings, plus (with
BENCH_FLOORS=1) the floor views of bench/urls.py. Production never loads this
module, so the floor URLs cannot exist there."""

import os

from core.settings import *  # noqa: F403

if os.environ.get("BENCH_FLOORS") == "1":
    ROOT_URLCONF = "bench.urls"
