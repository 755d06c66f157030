"""The data: a conversation-spans answer as flat columns (``_columnar``), then as pandas
DataFrames with stable columns and dtypes (``_frames``); turn transcripts and search results
as frames (``_transcripts``)."""

from weave_widgets.data._frames import (
    CONVERSATION_COLUMNS,
    FEEDBACK_COLUMNS,
    RATING_COLUMNS,
    SPAN_COLUMNS,
    ConversationData,
    conversation_data,
    use_views,
)
from weave_widgets.data._transcripts import (
    MESSAGE_COLUMNS,
    SEARCH_COLUMNS,
    TranscriptReader,
    messages_frame,
    search_frame,
)

__all__ = [
    "CONVERSATION_COLUMNS",
    "FEEDBACK_COLUMNS",
    "MESSAGE_COLUMNS",
    "RATING_COLUMNS",
    "SEARCH_COLUMNS",
    "SPAN_COLUMNS",
    "ConversationData",
    "TranscriptReader",
    "conversation_data",
    "messages_frame",
    "search_frame",
    "use_views",
]
