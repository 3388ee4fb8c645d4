import pytest

from tests.datasets.idx_helpers import forbid_openml


@pytest.fixture(autouse=True)
def no_openml(monkeypatch):
    """Nothing in these tests may reach OpenML."""
    forbid_openml(monkeypatch)


@pytest.fixture(scope="session")
def idx_dir(tmp_path_factory):
    """A folder with real MNIST images in the four standard IDX files (70/30 per digit)."""
    from tests.datasets.idx_helpers import mnist_subset, write_mnist_dir

    d = tmp_path_factory.mktemp("mnist_idx")
    write_mnist_dir(d, *mnist_subset(n_train_per_class=70, n_test_per_class=30))
    return d
