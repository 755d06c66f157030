"""The HTTP clients: configuration (URL, key, timeout), transport (HTTP and retries), endpoints
(request and answer shapes), and ``WeaveClient`` / ``AsyncWeaveClient`` on top of them."""

from weave_widgets.client._clients import AsyncWeaveClient, WeaveClient
from weave_widgets.client._config import use_local_server

__all__ = ["AsyncWeaveClient", "WeaveClient", "use_local_server"]
