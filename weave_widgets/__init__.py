"""weave-widgets: agent-conversation span minimaps for W&B Weave."""

from weave_widgets.frames import ConversationData, conversation_data

__all__ = ["ConversationData", "conversation_data"]
__version__ = "0.1.0"
