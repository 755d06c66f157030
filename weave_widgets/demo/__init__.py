"""The demo: realistic agent conversations as the weave SDK writes them (OTel GenAI spans and
agent feedback, ``_generator``, with their synthetic text in ``_content``) and the
``weave-widgets demo`` command that serves them in JupyterLab or writes them to files
(``_command``)."""

from weave_widgets.demo._generator import (
    DemoConversation,
    demo_conversation,
    demo_conversations,
    export_requests,
    write_demo,
)

__all__ = [
    "DemoConversation",
    "demo_conversation",
    "demo_conversations",
    "export_requests",
    "write_demo",
]
