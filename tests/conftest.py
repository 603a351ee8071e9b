"""Test session set-up: the on-disk cache of plans and tables lives in a fresh directory.

Set at import, before any test runs, so commands run in this process and the processes they
start never read or write the user's cache (``~/.cache/terastal``).
"""

import atexit
import os
import shutil
import tempfile

_CACHE = tempfile.mkdtemp(prefix="terastal-test-cache-")
os.environ["TERASTAL_CACHE_DIR"] = _CACHE
os.environ.pop("TERASTAL_NO_CACHE", None)
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)
