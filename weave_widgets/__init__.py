"""weave-widgets: agent-conversation span minimaps for W&B Weave.

This module is the composition root: it wires the lower layers to the upper ones (the
clients' fallback server, the data's widget and charts) so that every import points one way:
models -> client -> data -> minimap, charts; the server depends on the models alone. The heavy
parts (the server, Altair) load only when first used.
"""

from typing import Any

from weave_widgets import errors
from weave_widgets._link import Link, link
from weave_widgets.client import AsyncWeaveClient, WeaveClient, use_local_server
from weave_widgets.data import ConversationData, conversation_data, use_views
from weave_widgets.minimap import ConversationMinimap

__version__ = "0.1.0"


def _embedded_server_url() -> str:
    from weave_widgets.server.embedded import default_url

    return default_url()


def _chart(data: ConversationData, kind: str, **options: Any) -> Any:
    from weave_widgets.charts import chart

    return chart(data, kind, **options)


use_local_server(_embedded_server_url)
use_views(widget=ConversationMinimap, chart=_chart)


__all__ = [
    "AsyncWeaveClient",
    "ConversationData",
    "ConversationMinimap",
    "Link",
    "WeaveClient",
    "conversation_data",
    "errors",
    "link",
]
