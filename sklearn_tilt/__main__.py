"""``python -m sklearn_tilt``: the ``sklearn-tilt`` command line."""

import sys

from sklearn_tilt.experiments._cli import main

if __name__ == "__main__":
    sys.exit(main())
