"""The embedded local trace server for this notebook or script: start, find and stop it.

The public face of ``weave_widgets.server.embedded``: ``serve()`` returns a URL to give
``WeaveClient(url=...)``; ``default_url()`` is the server clients use when nothing else is
configured; ``point_weave_sdk("entity/project")`` makes the weave SDK (``weave.init``, ops,
the Conversation SDK) write there too."""

from weave_widgets.server.embedded import (
    default_db_path,
    default_url,
    point_weave_sdk,
    serve,
    stop,
    weave_sdk_env,
)

__all__ = ["default_db_path", "default_url", "point_weave_sdk", "serve", "stop", "weave_sdk_env"]
