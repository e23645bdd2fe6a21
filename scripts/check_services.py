"""Before the tests: PostgreSQL and Redis must answer; the test role and database are created
if missing. Stops at once with a message naming the service and how to start it."""

import os
import sys
from urllib.parse import urlparse

import psycopg2
import redis

DATABASE_URL = os.environ["DATABASE_URL"]
REDIS_URL = os.environ["CELERY_BROKER_URL"]
START = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no",
}


def fail(service, error):
    sys.exit(f"\n{service} is not reachable ({error}).\nStart it, for example with:\n  {START[service]}\n")


def ensure_database():
    url = urlparse(DATABASE_URL)
    role, name = url.username or "ppd", url.path.lstrip("/") or "ppd"
    try:
        admin = psycopg2.connect(
            host=url.hostname, port=url.port or 5432, user="postgres", dbname="postgres", connect_timeout=3
        )
    except psycopg2.OperationalError as error:
        try:  # maybe the role already exists and postgres is not ours to use
            psycopg2.connect(DATABASE_URL, connect_timeout=3).close()
            return
        except psycopg2.OperationalError:
            fail("PostgreSQL", str(error).strip().splitlines()[0])
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if not cur.fetchone():
            cur.execute(f'CREATE ROLE "{role}" LOGIN CREATEDB')
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{name}" OWNER "{role}"')
    admin.close()


def ensure_redis():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.exceptions.RedisError as error:
        fail("Redis", error)


if __name__ == "__main__":
    ensure_database()
    ensure_redis()
    print("PostgreSQL and Redis are reachable.")
