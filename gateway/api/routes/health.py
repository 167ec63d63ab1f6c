from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from gateway.api.deps import get_database
from gateway.core.db import Database
from gateway.schemas import Health

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=Health,
    summary="存活与数据库检查（无需令牌）",
    responses={503: {"model": Health, "description": "数据库不可用"}},
)
def health(database: Annotated[Database, Depends(get_database)]) -> JSONResponse:
    if database.ping():
        return JSONResponse({"status": "ok", "database": "ok"})
    return JSONResponse({"status": "error", "database": "error"}, status_code=503)
