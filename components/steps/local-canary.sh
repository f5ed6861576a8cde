#!/usr/bin/env bash
# Starts (or stops) the canary digest as a Docker container on the host network, listening on 127.0.0.1 only.
# Env: IMAGE (repo@sha256:…), VERSION, GRPC_PORT, METRICS_PORT; the service's test hooks MIRADOR_FAULT_ERROR_RATIO
# and MIRADOR_FAULT_LATENCY pass through when set (the end-to-end tests degrade a running canary with them).
set -euo pipefail
: "${IMAGE:?}" "${GRPC_PORT:?}" "${METRICS_PORT:?}"
name=mirador-rca-local-canary
case "${1:-}" in
  start)
    docker rm -f "$name" >/dev/null 2>&1 || true
    docker run -d --name "$name" --network host \
      -e MIRADOR_IMAGE_DIGEST="${IMAGE#*@}" -e MIRADOR_VERSION="${VERSION:-}" \
      -e MIRADOR_FAULT_ERROR_RATIO -e MIRADOR_FAULT_LATENCY \
      "$IMAGE" --grpc-addr "127.0.0.1:$GRPC_PORT" --metrics-addr "127.0.0.1:$METRICS_PORT" --track canary >/dev/null
    for _ in $(seq 1 50); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$GRPC_PORT") 2>/dev/null; then
        echo "canary $IMAGE listening on 127.0.0.1:$GRPC_PORT (metrics :$METRICS_PORT)"
        exit 0
      fi
      sleep 0.2
    done
    docker logs "$name" >&2 || true
    echo "canary container did not listen on 127.0.0.1:$GRPC_PORT within 10s" >&2
    exit 1
    ;;
  stop)
    docker rm -f "$name" >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
