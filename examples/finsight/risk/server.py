"""Risk scoring over gRPC, with the standard health service (grpc.health.v1).

`finsight.Risk/Score` takes and returns JSON documents: gRPC carries any bytes, and a JSON
codec keeps this example free of generated code. api calls it for every quote."""
import json
import math
import os
import signal
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

SERVICE = "finsight.Risk"
MODEL = "risk-v1"


def score(request, _context):
    """A toy score in [0, 1): higher for pricier, longer-named symbols; deterministic."""
    symbol = str(request["symbol"]).upper()
    price = float(request["price"])
    value = 1 - math.exp(-(math.log1p(abs(price)) * len(symbol)) / 25)
    return {"symbol": symbol, "score": round(value, 4), "model": MODEL}


def main():
    port = int(os.environ.get("PORT", "50051"))
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    rpc = grpc.unary_unary_rpc_method_handler(
        score,
        request_deserializer=json.loads,
        response_serializer=lambda reply: json.dumps(reply).encode(),
    )
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(SERVICE, {"Score": rpc}),)
    )
    checks = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(checks, server)
    server.add_insecure_port(f"[::]:{port}")
    server.start()
    for name in ("", SERVICE):
        checks.set(name, health_pb2.HealthCheckResponse.SERVING)
    print(f"risk: serving {SERVICE} on {port}", flush=True)
    # Stop promptly on SIGTERM (stack down), answering what is in flight first.
    signal.signal(signal.SIGTERM, lambda *_: server.stop(grace=2))
    server.wait_for_termination()


if __name__ == "__main__":
    main()
