"""The HTTP API (placeholder: only the health check, until the API's routes land)."""

from fastapi import FastAPI

app = FastAPI(title="Jamla24 disputes")


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
