# syntax=docker/dockerfile:1
# The portal's production image: web (gunicorn), Celery worker and beat, and the mocked
# national services all run from this one image with different commands (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PORTAL_VAR_DIR=/app/var \
    MEDIA_ROOT=/data/media \
    DJANGO_SETTINGS_MODULE=portal.settings.production

RUN pip install uv \
    && groupadd --system --gid 1000 portal \
    && useradd --system --uid 1000 --gid portal --home-dir /app --shell /usr/sbin/nologin portal

WORKDIR /app

# Dependencies first (cached while only the code changes); the project itself is not a package.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
RUN uv sync --frozen --no-dev \
    && SECRET_KEY=collectstatic-only-not-a-secret ALLOWED_HOSTS=localhost \
       OIDC_RP_CLIENT_SECRET=- PREFILL_CLIENT_SECRET=- PAYMENT_SECRET=- \
       python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/var /data/media /data/pki \
    && chown -R portal:portal /app/var /data/media /data/pki

USER portal
EXPOSE 8000 8001

CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logfile", "-", "--forwarded-allow-ips", "*"]
