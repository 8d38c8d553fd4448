"""The FastAPI application: ``create_app(settings)``.

Resources are opened in ``lifespan`` and kept on ``app.state``: the database engine (schema
migrated to head first), the server secret for pseudonyms, the cache of checked tokens, the
profile normaliser (``api.esco_normaliser``: the ESCO index, built once per process, with
the programme's synonyms applied; ``create_app(normalizer=...)`` passes a prebuilt one), the
batcher that normalises concurrent requests' profiles together (``api.normalisation_batch``),
and the runner of matching rounds (``round_workers`` worker processes, started when a round
first needs one; rounds left queued by an earlier process are resumed).

What start-up loaded lives as long as the app, so it is then kept out of the garbage
collector's sight (``gc.freeze``) until shutdown: otherwise every full collection walks the
whole ESCO index again, and requests paid for it (measured in benchmarks/RESULTS.md).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api.auth import TokenCache
from api.curation import SynonymWatch, load_normaliser
from api.db import create_db_engine
from api.errors import install_error_handlers
from api.migrations import upgrade
from api.normalisation_batch import NormalisationBatcher
from api.pseudonyms import load_server_secret
from api.round_runner import RoundRunner
from api.routes import api_router
from api.settings import Settings, get_settings
from api.ui import mount_ui
from skills_taxonomy.normalizer import Normalizer

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX = "/api/v1"

logger = logging.getLogger("api")


def create_app(
    settings: Settings | None = None, *, normalizer: Normalizer | None = None
) -> FastAPI:
    """A new app; ``settings`` default to the environment's (``get_settings()``);
    ``normalizer`` to the bundled ESCO one (``bundled_normalizer()``)."""
    config = settings if settings is not None else get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_db_engine(
            config.database_url,
            busy_timeout_ms=config.sqlite_busy_timeout_ms,
            echo=config.database_echo,
        )
        try:
            if config.migrate_on_startup:
                await run_in_threadpool(upgrade, engine)
            app.state.settings = config
            app.state.engine = engine
            app.state.pseudonym_secret = load_server_secret(config)
            app.state.token_cache = TokenCache(ttl_seconds=config.token_cache_seconds)
            app.state.normaliser = await run_in_threadpool(load_normaliser, engine, normalizer)
            app.state.normalisation_batcher = NormalisationBatcher()
            app.state.synonym_watch = SynonymWatch(engine, interval=config.synonym_refresh_seconds)
            app.state.round_runner = runner = RoundRunner(engine, workers=config.round_workers)
            runner.resume()  # rounds an earlier process left queued or was running
            gc.collect()  # start-up's garbage, before what is left is frozen
            gc.freeze()
            try:
                yield
            finally:
                gc.unfreeze()  # collectable again once the app is gone (e.g. between tests)
                await run_in_threadpool(runner.close)
        finally:
            engine.dispose()

    app = FastAPI(
        title="mobility-match",
        summary="Matching candidates to jobs and training in labour-mobility programmes.",
        version="0.1.0",
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    install_error_handlers(
        app, max_json_bytes=config.max_json_bytes, max_upload_bytes=config.max_upload_bytes
    )
    app.include_router(api_router, prefix=API_PREFIX)
    mount_ui(app)
    return app
