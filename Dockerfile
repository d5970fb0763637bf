# One image for every role: web (gunicorn), Celery worker, Celery beat, migrations.
# No BuildKit front-end line: builds work with the legacy builder and without Docker Hub access
# for anything but the base image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=adcmeet.settings \
    ADCMEET_VAR_DIR=/app/var \
    LOG_FORMAT=json

WORKDIR /app

# The app user's HOME (/app) is not writable by it; nothing needs it to be (gunicorn's control
# socket is off in deploy/gunicorn.conf.py).
RUN groupadd --system --gid 10001 adcmeet \
    && useradd --system --uid 10001 --gid adcmeet --home-dir /app --shell /usr/sbin/nologin adcmeet

# Dependencies first, so a code change does not reinstall them. psycopg's binary wheel bundles
# libpq: no compiler or system libraries needed. Backups run pg_dump in the postgres service
# (deploy/compose-backup.sh), whose version always matches the server's, so the image carries
# no PostgreSQL client.
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

# .dockerignore keeps tests, docs, benchmarks, the load test and local state out.
COPY . .

# collectstatic imports the settings, which refuse to start without a SECRET_KEY when DEBUG is
# off; this throwaway key exists only in this build step, never in the image's environment.
RUN SECRET_KEY=build-time-only-collectstatic ADCMEET_VAR_DIR=/tmp/build-var \
        python manage.py collectstatic --noinput -v0 \
    && rm -rf /tmp/build-var \
    && mkdir -p /app/var \
    && chown -R adcmeet:adcmeet /app/var

USER adcmeet
EXPOSE 8000

# Workers, threads, timeouts and logging: deploy/gunicorn.conf.py (WEB_CONCURRENCY,
# GUNICORN_THREADS, GUNICORN_TIMEOUT, GUNICORN_GRACEFUL_TIMEOUT).
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "adcmeet.wsgi:application"]
