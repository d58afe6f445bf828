"""Records API: stores trades in Postgres and reads them back."""
import os
from decimal import Decimal, InvalidOperation

import psycopg
from flask import Flask, jsonify, request

app = Flask(__name__)


def connect():
    return psycopg.connect(os.environ["DATABASE_URL"])


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
