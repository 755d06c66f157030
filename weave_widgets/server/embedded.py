"""Run the embedded local trace server in-process (notebooks, tests, the demo).

``serve()`` starts uvicorn in a background thread on real loopback HTTP and returns the base
URL; ``stop()`` shuts one or all down cleanly; ``default_url()`` lazily starts one server per
process on the default database (``WEAVE_WIDGETS_DB``, else ``~/.cache/weave-widgets/local.db``).
``weave_sdk_env()`` is what points the weave SDK and OpenTelemetry exporters at a server, and
``point_weave_sdk()`` applies it to this process.
"""

from __future__ import annotations

import atexit
import base64
import os
import socket
import threading
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from weave_widgets.server.app import create_app
from weave_widgets.server.guard import check_api_key, exposure_problem

DB_ENV = "WEAVE_WIDGETS_DB"
STARTUP_TIMEOUT = 15.0
PLACEHOLDER_API_KEY = "weave-widgets-local-server".ljust(40, "0")
"""Sent as ``WANDB_API_KEY`` to a server without a key: the weave SDK insists on a key of at
least 40 characters, and a keyless local server accepts any."""


@dataclass
class _Running:
    server: uvicorn.Server
    thread: threading.Thread


_running: dict[str, _Running] = {}
_lock = threading.Lock()
_default: str | None = None
_default_lock = threading.Lock()


def default_db_path() -> Path:
    """``$WEAVE_WIDGETS_DB``, else ``~/.cache/weave-widgets/local.db``."""
    env = os.environ.get(DB_ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "weave-widgets" / "local.db"


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve(
    db_path: str | os.PathLike[str] | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    api_key: str | None = None,
    allowed_hosts: Iterable[str] = (),
    allow_unauthenticated: bool = False,
) -> str:
    """Start a local trace server on ``db_path`` (default database if None); return its URL.

    ``port=0`` picks a free port. ``allowed_hosts`` adds Host names the server answers to
    (loopback names and ``host`` always work). A non-loopback ``host`` without ``api_key`` is
    a ValueError unless ``allow_unauthenticated=True`` (then a warning); an empty key is a
    ValueError. Raises ``RuntimeError`` if the server does not come up.
    """
    check_api_key(api_key)
    problem = exposure_problem(host, api_key)
    if problem and not allow_unauthenticated:
        raise ValueError(f"{problem}; or pass allow_unauthenticated=True if that is meant")
    if problem:
        warnings.warn(problem, stacklevel=2)
    path = Path(db_path) if db_path is not None else default_db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    app = create_app(path, api_key=api_key, host=host, allowed_hosts=allowed_hosts)
    return serve_app(app, host=host, port=port)


def serve_app(app: FastAPI, *, host: str = "127.0.0.1", port: int = 0) -> str:
    """Serve ``app`` in a background thread on ``host``:``port`` and return its URL (what
    :func:`serve` does once it has built the app; tests serve apps of their own with it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and
    # without it every response waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    url = _url(host, sock.getsockname()[1])
    config = uvicorn.Config(app, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"weave-widgets {url}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"the local trace server on {url} did not start; see the log above")
        time.sleep(0.01)
    with _lock:
        _running[url] = _Running(server, thread)
    return url


def app_of(url: str) -> FastAPI:
    """The app serving ``url`` (started by :func:`serve` in this process); tests reach its
    store through ``app_of(url).state.store``."""
    with _lock:
        app = _running[url].server.config.app
    if not isinstance(app, FastAPI):
        raise TypeError(f"{url} is not served by a weave-widgets app")
    return app


def stop(url: str | None = None) -> None:
    """Stop the server at ``url`` (every server this process started if None)."""
    global _default
    with _lock:
        urls = [url] if url is not None else list(_running)
        stopping = [_running.pop(u) for u in urls if u in _running]
        if _default in urls:
            _default = None
    for running in stopping:
        running.server.should_exit = True
    for running in stopping:
        running.thread.join(timeout=10)


def default_url() -> str:
    """The URL of this process's server on the default database, started on first use."""
    global _default
    with _default_lock:
        if _default is None or _default not in _running:
            _default = serve()
        return _default


atexit.register(stop)


def weave_sdk_env(url: str, project: str, *, api_key: str | None = None) -> dict[str, str]:
    """The environment that points an unmodified weave SDK, and plain OpenTelemetry OTLP/HTTP
    exporters, at the server at ``url``, writing to ``project`` (``entity/project``).

    ``api_key`` is the server's key when it has one (the SDK sends it as Basic ``api:<key>``,
    and so do the OTel exporters, through their headers variable, URL-encoded as it requires);
    without one, a placeholder, since the SDK will not start without some key.
    """
    headers = f"project_id={project}"
    if api_key:
        basic = base64.b64encode(f"api:{api_key}".encode()).decode("ascii")
        headers += f",Authorization=Basic%20{basic}"
    return {
        "WF_TRACE_SERVER_URL": url,
        "WANDB_BASE_URL": url,
        "WANDB_API_KEY": api_key or PLACEHOLDER_API_KEY,
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"{url}/agents/otel/v1/traces",
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS": headers,
    }


def point_weave_sdk(
    project: str = "local/agents", *, url: str | None = None, api_key: str | None = None
) -> str:
    """Point the weave SDK in this process at a local server (``url``, else this process's
    default server, started if needed) before ``weave.init(project)``; returns the URL.

    Sets the variables of :func:`weave_sdk_env` in ``os.environ``, replacing any that point
    elsewhere, so that ``weave.init``, ``@weave.op`` calls and the Conversation SDK all land here.
    """
    target = url or default_url()
    os.environ.update(weave_sdk_env(target, project, api_key=api_key))
    return target
