"""The data: a conversation-spans answer as flat columns (``_columnar``), then as pandas
DataFrames with stable columns and dtypes (``_frames``), one row per turn (``_turns``), the
user's own span categories (``_categories``), and turn transcripts and search results as
frames (``_transcripts``)."""

from weave_widgets.data._categories import with_categories
from weave_widgets.data._cohorts import NO_GROUP, cohort_labels
from weave_widgets.data._frames import (
    CONVERSATION_COLUMNS,
    FEEDBACK_COLUMNS,
    RATING_COLUMNS,
    SPAN_COLUMNS,
    ConversationData,
    conversation_data,
    use_derived,
    use_views,
)
from weave_widgets.data._transcripts import (
    MESSAGE_COLUMNS,
    SEARCH_COLUMNS,
    TranscriptReader,
    messages_frame,
    search_frame,
)
from weave_widgets.data._turns import RATING_PREFIX, TURN_COLUMNS, turn_frame

use_derived(turns=turn_frame, with_categories=with_categories)

__all__ = [
    "CONVERSATION_COLUMNS",
    "FEEDBACK_COLUMNS",
    "MESSAGE_COLUMNS",
    "NO_GROUP",
    "RATING_COLUMNS",
    "RATING_PREFIX",
    "SEARCH_COLUMNS",
    "SPAN_COLUMNS",
    "TURN_COLUMNS",
    "ConversationData",
    "TranscriptReader",
    "cohort_labels",
    "conversation_data",
    "messages_frame",
    "search_frame",
    "turn_frame",
    "use_views",
    "with_categories",
]
