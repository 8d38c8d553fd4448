"""The service around the core: CLI, and (later) the FastAPI app, storage and tenancy."""
