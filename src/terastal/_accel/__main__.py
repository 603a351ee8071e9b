"""``python -m terastal._accel build|clean|status``."""

import sys

from terastal._accel.build import main

sys.exit(main())
