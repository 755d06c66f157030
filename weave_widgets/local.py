"""The embedded local trace server for this notebook or script: start, find and stop it.

The public face of ``weave_widgets.server.embedded``: ``serve()`` returns a URL to give
``WeaveClient(url=...)``; ``default_url()`` is the server clients use when nothing else is
configured."""

from weave_widgets.server.embedded import default_db_path, default_url, serve, stop

__all__ = ["default_db_path", "default_url", "serve", "stop"]
