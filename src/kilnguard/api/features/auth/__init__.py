"""Authentication over HTTP: API tokens, who-am-I, audit-chain verification (:mod:`.routes`,
:mod:`.schemas`). Web login and logout are the shared pages' (`web.pages`)."""

from kilnguard.api.features.auth.routes import router as router

__all__ = ["router"]
