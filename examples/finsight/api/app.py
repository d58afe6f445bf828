"""Records API: stores trades in Postgres and reads them back; serves the latest quotes
the consumer took off the broker, each scored by the risk service over gRPC."""
import functools
import json
import os
from decimal import Decimal, InvalidOperation

import grpc
import psycopg
from flask import Flask, jsonify, request

app = Flask(__name__)


def connect():
    return psycopg.connect(os.environ["DATABASE_URL"])


@functools.cache
def risk_score():
    """The `finsight.Risk/Score` call, one channel per worker process (made after the
    fork: a gRPC channel does not survive one)."""
    channel = grpc.insecure_channel(os.environ.get("RISK_ADDR", "localhost:50051"))
    return channel.unary_unary(
        "/finsight.Risk/Score",
        request_serializer=lambda message: json.dumps(message).encode(),
        response_deserializer=json.loads,
    )


@app.get("/health")
def health():
    with connect() as conn:
        conn.execute("SELECT 1")
    return {"ok": True}


@app.post("/records")
def create():
    body = request.get_json(silent=True) or {}
    symbol = str(body.get("symbol", "")).strip().upper()
    try:
        amount = Decimal(str(body.get("amount")))
    except InvalidOperation:
        return {"error": "amount must be a number"}, 400
    if not symbol:
        return {"error": "symbol is required"}, 400
    with connect() as conn:
        (record_id,) = conn.execute(
            "INSERT INTO records (symbol, amount) VALUES (%s, %s) RETURNING id",
            (symbol, amount),
        ).fetchone()
    return jsonify(id=record_id, symbol=symbol, amount=str(amount)), 201


@app.get("/records/<int:record_id>")
def read(record_id):
    with connect() as conn:
        row = conn.execute(
            "SELECT id, symbol, amount FROM records WHERE id = %s", (record_id,)
        ).fetchone()
    if row is None:
        return {"error": f"no record {record_id}"}, 404
    return jsonify(id=row[0], symbol=row[1], amount=str(row[2]))


@app.get("/records")
def summary():
    with connect() as conn:
        count, total = conn.execute(
            "SELECT count(*), coalesce(sum(amount), 0) FROM records"
        ).fetchone()
    return jsonify(count=count, total=str(total))


@app.get("/quotes/<symbol>")
def quote(symbol):
    """The latest price the consumer stored for `symbol`, and its risk score."""
    symbol = symbol.strip().upper()
    with connect() as conn:
        row = conn.execute(
            "SELECT price, at, messages FROM quotes WHERE symbol = %s", (symbol,)
        ).fetchone()
    if row is None:
        return {"error": f"no quote for {symbol} yet: POST it to /ingest/events"}, 404
    price, at, messages = row
    try:
        risk = risk_score()({"symbol": symbol, "price": float(price)}, timeout=2)
    except grpc.RpcError as error:
        return {"error": f"risk: {error.code().name}: {error.details()}"}, 502
    return jsonify(
        symbol=symbol,
        price=str(price),
        at=at.isoformat() if at else None,
        messages=messages,
        risk=risk,
    )
