"""The demo: realistic agent conversations (``_generator``) and the ``weave-widgets demo``
command that serves them in JupyterLab or writes them to files (``_command``)."""

from weave_widgets.demo._generator import demo_conversation, demo_conversations, write_demo

__all__ = ["demo_conversation", "demo_conversations", "write_demo"]
