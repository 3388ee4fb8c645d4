"""One BLAS thread for the solvers whose work is not BLAS.

The coordinate-descent and interior-point methods of the hinge call BLAS only on
vectors and small matrices, where its threads cost more than they save: OpenBLAS's
threads wait by spinning after each call, so while a single-threaded kernel runs they
burn a core each (as much CPU again on a 2-core machine, and wall time on a busy one).
:func:`one_blas_thread` limits BLAS to one thread for the duration of a solve.

The :class:`threadpoolctl.ThreadpoolController` is made once, at the first solve (by
then NumPy's and SciPy's BLAS are loaded): making one scans the loaded libraries,
which costs milliseconds, against microseconds for a limit on a made one. A process
forked later inherits it with the libraries it names; a fresh worker process (loky)
makes its own.
"""

from threadpoolctl import ThreadpoolController

_controller = None


def one_blas_thread():
    """A context manager under which BLAS runs one thread (``with one_blas_thread(): ...``)."""
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")
