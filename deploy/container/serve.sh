#!/bin/sh
# The container's command: the app (app.py) headless on $PORT (8501), all interfaces.
# exec: the server is the process that `docker stop` / Kubernetes signal (SIGTERM), and
# its lifespan pauses every run and ends the open streams, so it exits within moments.
#
#     VENV=/opt/venv PORT=8501 deploy/container/serve.sh [more streamlit options]
set -eu
cd "$(dirname "$0")/../.."
exec "${VENV:-/opt/venv}/bin/python" -m streamlit run app.py \
    --server.headless true \
    --server.address "${PROBNN_ADDRESS:-0.0.0.0}" \
    --server.port "${PORT:-8501}" \
    --browser.gatherUsageStats false \
    "$@"
