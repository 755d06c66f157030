"""weave-widgets: agent-conversation span minimaps for W&B Weave."""

from weave_widgets.client import AsyncWeaveClient, WeaveClient
from weave_widgets.frames import ConversationData, conversation_data

__all__ = ["AsyncWeaveClient", "ConversationData", "WeaveClient", "conversation_data"]
__version__ = "0.1.0"
