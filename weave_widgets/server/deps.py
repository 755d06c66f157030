"""Dependencies the routes declare: the app's store, kept on ``app.state.store``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from weave_widgets.server.store import Store


async def get_store(request: Request) -> Store:
    """The store of the app serving ``request`` (set by ``create_app``)."""
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]
"""A route parameter annotated ``StoreDep`` receives the app's :class:`Store`."""
