"""Opens the store once per worker; what it yields is the ``state`` argument everywhere."""

from contextlib import asynccontextmanager

from app._lib.store import Store


@asynccontextmanager
async def lifespan(app):
    store = await Store.open()
    yield {"store": store}
    await store.close()
