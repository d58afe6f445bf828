#!/bin/sh
# finsight's CI check, run by `stack ci -- ./tests/smoke.sh` against a throwaway copy of
# the stack: every address comes in STACK_<SERVICE>_URL. An event goes in through the
# gateway; its quote comes back once it has crossed the broker (ingest -> RabbitMQ ->
# consumer -> Postgres) and been scored over gRPC (api -> risk).
set -eu
curl -fsS "$STACK_API_URL/health"
echo
symbol="CI$$"
curl -fsS -XPOST "$STACK_GATEWAY_URL/ingest/events" -d "{\"symbol\": \"$symbol\", \"price\": 12.5}"
tries=0
until quote=$(curl -fsS "$STACK_GATEWAY_URL/api/quotes/$symbol" 2>/dev/null); do
  tries=$((tries + 1))
  if [ "$tries" -ge 100 ]; then
    echo "no quote for $symbol after 20s: the consumer never stored it" >&2
    exit 1
  fi
  sleep 0.2
done
echo "$quote"
case "$quote" in
  *'"price":"12.5000"'*'"model":"risk-v1"'*) ;;
  *) echo "unexpected quote: $quote" >&2; exit 1 ;;
esac
curl -fsS "$STACK_GATEWAY_URL/" | grep -q "<h1>finsight</h1>"
echo "smoke test passed"
