"""The minimap: the ``ConversationMinimap`` widget, the binary payload it sends to the canvas,
the standalone HTML page that shows it without a kernel, and the generator of the TypeScript
contract (``js/src/contract.ts``) its front end shares with Python."""

from weave_widgets.minimap._widget import ConversationMinimap

__all__ = ["ConversationMinimap"]
