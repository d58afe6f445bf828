"""Creates finsight's tables; safe to run again. Waits for Postgres to accept connections."""
import os
import sys
import time

import psycopg

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    id     bigserial PRIMARY KEY,
    symbol text NOT NULL,
    amount numeric(18, 4) NOT NULL,
    at     timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS quotes (
    symbol   text PRIMARY KEY,
    price    numeric(18, 4) NOT NULL,
    at       timestamptz,
    messages bigint NOT NULL
)
"""


def main():
    deadline = time.monotonic() + 30
    while True:
        try:
            with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
                conn.execute(SCHEMA)
            print("migrate: records and quotes tables ready")
            return 0
        except psycopg.OperationalError as error:
            if time.monotonic() > deadline:
                print(f"migrate: database unreachable: {error}", file=sys.stderr)
                return 1
            time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
