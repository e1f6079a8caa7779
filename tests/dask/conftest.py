"""A 2-worker LocalCluster (processes, 1 thread each, on 127.0.0.1) shared by every test of tests/dask
(one start-up per session; the tests that restart or kill workers wait for both to be back)."""
import pytest


@pytest.fixture(scope="session")
def client():
    pytest.importorskip("dask.distributed", reason="pyml.dask tests need dask[distributed]: pip install 'pyml[dask]'")
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=":0", silence_logs=40)
    c = Client(cluster)
    yield c
    c.close()
    cluster.close()
