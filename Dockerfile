# One image for every process of an instance: the four nameko services, their outbox relays and peer-admin.
# docker-compose.yml picks the process with `command:`.
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # psycopg 3's C wait would block eventlet's hub (see ARCHITECTURE.md); the runtime asserts it too.
    PSYCOPG_WAIT_FUNC=wait_select

WORKDIR /app

# Dependencies first, from the lock only, so code changes do not reinstall them.
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY pyproject.toml ./
COPY runtime ./runtime
COPY admin ./admin
COPY contracts ./contracts
COPY services ./services
COPY demo ./demo
COPY deploy/nameko.yaml ./deploy/nameko.yaml
RUN pip install --no-deps -e . \
    && useradd --system --uid 10001 --no-create-home --home-dir /app peer

USER peer
# Inside the container every service listens on 8000 (WEB_SERVER_ADDRESS) and a relay's metrics on 9100.
EXPOSE 8000 9100
CMD ["peer-admin", "--help"]
