"""The data: a conversation-spans answer as flat columns (``_columnar``), then as pandas
DataFrames with stable columns and dtypes (``_frames``)."""

from weave_widgets.data._frames import (
    CONVERSATION_COLUMNS,
    FEEDBACK_COLUMNS,
    RATING_COLUMNS,
    SPAN_COLUMNS,
    ConversationData,
    conversation_data,
    use_views,
)

__all__ = [
    "CONVERSATION_COLUMNS",
    "FEEDBACK_COLUMNS",
    "RATING_COLUMNS",
    "SPAN_COLUMNS",
    "ConversationData",
    "conversation_data",
    "use_views",
]
