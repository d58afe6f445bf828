"""Reads the events ingest publishes to RabbitMQ and keeps each symbol's latest price in
Postgres, where api serves it. Acknowledges a message only once it is stored, so nothing
is lost when the consumer or the database stops; reconnects when the broker goes away."""
import json
import os
import sys
import time

import pika
import psycopg

QUEUE = "finsight.events"

UPSERT = """
INSERT INTO quotes (symbol, price, at, messages) VALUES (%s, %s, %s, 1)
ON CONFLICT (symbol) DO UPDATE
SET price = excluded.price, at = excluded.at, messages = quotes.messages + 1
"""


def store(db, body):
    event = json.loads(body)
    symbol = str(event["symbol"]).strip().upper()
    with db.transaction():
        db.execute(UPSERT, (symbol, event["price"], event.get("at")))
    print(f"consumer: {symbol} at {event['price']}", flush=True)


def consume():
    params = pika.URLParameters(os.environ["AMQP_URL"])
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as db:
        connection = pika.BlockingConnection(params)
        channel = connection.channel()
        # The same declaration as ingest's: whichever comes first creates the queue.
        channel.queue_declare(queue=QUEUE, durable=True)
        channel.basic_qos(prefetch_count=10)

        def on_message(chan, method, _properties, body):
            try:
                store(db, body)
            except (ValueError, KeyError, TypeError) as error:
                # A malformed event would come back forever: drop it, say so.
                print(f"consumer: dropped {body!r}: {error}", file=sys.stderr, flush=True)
            chan.basic_ack(delivery_tag=method.delivery_tag)

        channel.basic_consume(queue=QUEUE, on_message_callback=on_message)
        print(f"consumer: reading {QUEUE}", flush=True)
        channel.start_consuming()


def main():
    while True:
        try:
            consume()
        except (pika.exceptions.AMQPConnectionError, psycopg.OperationalError) as error:
            print(f"consumer: {error!r}; reconnecting", file=sys.stderr, flush=True)
            time.sleep(1)


if __name__ == "__main__":
    main()
