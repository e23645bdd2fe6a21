#!/usr/bin/env bash
# Serves the app with a Celery worker and beat on the embedded broker (a SQLite file in .broker/).
# Ctrl-C stops all three. PORT (default 8000) chooses the port.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .broker
trap 'trap - INT TERM EXIT; kill 0 2>/dev/null; wait' INT TERM EXIT
.venv/bin/celery -A config worker --loglevel=INFO --concurrency=1 --pool=solo &
.venv/bin/celery -A config beat --loglevel=INFO --schedule .broker/beat-schedule &
PORT="${PORT:-8000}"
export SITE_URL="${SITE_URL:-http://127.0.0.1:$PORT}"  # links in invitations and alerts point here
.venv/bin/python manage.py runserver "127.0.0.1:$PORT" &
wait -n
