import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Small problems: BLAS threads only add contention (100x slower on a busy machine)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield
