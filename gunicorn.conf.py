"""gunicorn's settings that the application relies on; gunicorn reads this file when started in
this directory or with `--chdir` to it (or `-c gunicorn.conf.py`). Workers, the address and the
logs are the deployment's own, given on the command line."""

# Request lines up to gunicorn's maximum reach the application, whose own lower limit on API URLs
# (pilot_admin/api/middleware.py, MAX_URL_LENGTH) then answers 414 in JSON. With gunicorn's
# default of 4094 bytes, gunicorn itself would refuse a long URL with a plain-text 400 first.
limit_request_line = 8190


def child_exit(server, worker):
    """Prometheus multiprocess mode (PROMETHEUS_MULTIPROC_DIR, README "健康检查与监控"): a
    finished worker's live gauges are dropped; its counters stay in the sums."""
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
