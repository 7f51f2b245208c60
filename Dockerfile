# Jourbot: one process, SQLite on a volume. Build: docker build -t jourbot .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    JOURBOT_DB=/data/jourbot.db \
    JOURBOT_HOST=0.0.0.0 \
    JOURBOT_PORT=8080

WORKDIR /app
COPY pyproject.toml README.md babel.cfg ./
COPY bot ./bot
COPY locales ./locales
# Installed in place: the catalogs live beside the package, compiled here at build time.
RUN pip install -e . \
    && pybabel compile --domain messages --directory locales \
    && pybabel compile --domain staff --directory locales \
    && useradd --system --uid 10001 --home-dir /data jourbot \
    && mkdir -p /data && chown jourbot /data

USER jourbot
VOLUME ["/data"]
EXPOSE 8080
# Secrets (JOURBOT_SECRET_KEY, TELEGRAM_BOT_TOKEN, TWILIO_AUTH_TOKEN, ...) come from the
# environment at run time; none is baked into the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"
CMD ["jourbot", "run"]
