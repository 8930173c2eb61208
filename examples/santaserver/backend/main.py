"""SantaServer's API, reduced to what the image must carry: a FastAPI app
behind nginx on a Unix socket ($APP_SOCKET), with a REST part under /api and
a WebSocket under /api/ws. Its database is external: DATABASE_URL comes from
the run-time environment, and the API says whether it has one."""
import os
import socket

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI(title="SantaServer")

# Santa sync rules, as the real server hands them to its agents.
RULES = [
    {"identifier": "EQHXZ8M8AV", "policy": "ALLOWLIST", "rule_type": "TEAMID"},
    {"identifier": "com.example.blocked", "policy": "BLOCKLIST", "rule_type": "SIGNINGID"},
]


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/api/status")
def status():
    return {
        "status": "ok",
        "database": "configured" if os.environ.get("DATABASE_URL") else "missing",
        "listening": os.environ.get("APP_SOCKET"),
        "host": socket.gethostname(),
    }


@app.get("/api/rules")
def rules():
    return RULES


@app.websocket("/api/ws")
async def events(websocket: WebSocket):
    """Echoes each message back with a sequence number: a live channel."""
    await websocket.accept()
    count = 0
    try:
        while True:
            message = await websocket.receive_text()
            count += 1
            await websocket.send_json({"seq": count, "echo": message})
    except WebSocketDisconnect:
        pass
