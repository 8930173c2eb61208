"""Hive's API, reduced to what the all-in-one image must carry: FastAPI
under uvicorn (both Debian's packages here) with psycopg from
requirements.txt, memories stored with pgvector embeddings and searched by
distance. The same code runs as the genie and the agent; HIVE_SERVICE_MODE
says which."""
import os

import psycopg
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

DATABASE_URL = os.environ["DATABASE_URL"]
MODE = os.environ.get("HIVE_SERVICE_MODE", "genie")

app = FastAPI(title=f"Hive {MODE}")


class Memory(BaseModel):
    content: str
    embedding: list[float] = Field(min_length=3, max_length=3)


def vector_literal(values):
    return "[" + ",".join(str(float(v)) for v in values) + "]"


def connect():
    return psycopg.connect(DATABASE_URL, autocommit=True)


@app.get("/api/v1/health")
def health():
    with connect() as conn:
        database, vector = conn.execute(
            "SELECT current_database(), (SELECT extversion FROM pg_extension WHERE extname = 'vector')"
        ).fetchone()
    return {"status": "ok", "mode": MODE, "database": database, "vector": vector, "pid": os.getpid()}


@app.post("/api/v1/memories", status_code=201)
def remember(memory: Memory):
    with connect() as conn:
        (memory_id,) = conn.execute(
            "INSERT INTO memories (content, embedding) VALUES (%s, %s::vector) RETURNING id",
            (memory.content, vector_literal(memory.embedding)),
        ).fetchone()
    return {"id": memory_id}


@app.post("/api/v1/memories/search")
def search(query: Memory, limit: int = 3):
    if not 1 <= limit <= 100:
        raise HTTPException(status_code=422, detail="limit must be from 1 to 100")
    with connect() as conn:
        rows = conn.execute(
            "SELECT id, content, embedding <-> %s::vector AS distance FROM memories ORDER BY distance LIMIT %s",
            (vector_literal(query.embedding), limit),
        ).fetchall()
    return [{"id": row[0], "content": row[1], "distance": row[2]} for row in rows]
